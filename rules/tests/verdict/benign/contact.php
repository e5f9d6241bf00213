<?php
$name = htmlspecialchars($_POST['name'] ?? '');
$msg = htmlspecialchars($_POST['msg'] ?? '');
mail('admin@example.org', 'Contact', "$name: $msg");
echo 'Thanks';
