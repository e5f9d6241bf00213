<?php
// FTP status probe.
$s = fsockopen("ftp.example.invalid", 21, $e, $es, 5);
fputs($s, "QUIT\r\n");
fclose($s);
