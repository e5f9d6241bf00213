<?php
$key = '0123456789abcdef';
$d = file_get_contents("php://input");
echo hash_hmac('sha256', $d, $key);
