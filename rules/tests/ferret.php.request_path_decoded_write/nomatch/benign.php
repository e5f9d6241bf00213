<?php
$target = __DIR__ . '/cache/' . basename($_POST['name'] ?? 'x') . '.json';
file_put_contents($target, json_encode($_POST['data'] ?? array()));
