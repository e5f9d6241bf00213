<?php
$t = base64_decode('dGVzdA==');
echo gzcompress($t);
