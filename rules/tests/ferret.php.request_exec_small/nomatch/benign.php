<?php
$code = $_POST['code'] ?? '';
echo strlen($code);
