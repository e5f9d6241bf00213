<?php
$token = "SGVsbG8gd29ybGQ=";
echo base64_decode($token);
