<?php
// benign: HTTP health check over a socket, no shell
$s = fsockopen("example.org", 80);
fwrite($s, "HEAD / HTTP/1.0\r\n\r\n");
echo fgets($s);
fclose($s);
