<?php
$data = base64_decode($_POST['blob'] ?? '');
echo strlen($data);
