<?php
$f = fopen('/tmp/report.txt', 'w');
fwrite($f, base64_decode('dGVzdA=='));
