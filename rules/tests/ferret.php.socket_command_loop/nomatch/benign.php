<?php
$s = fsockopen($host, 25);
$greeting = trim(fgets($s, 512));
fputs($s, "QUIT\r\n");
echo htmlspecialchars($greeting);
