<?php
// Log viewer: shows the tail of the application's own log.
$log = __DIR__ . '/logs/app.log';
$lines = array_slice(file($log), -50);
echo '<pre>' . htmlspecialchars(implode('', $lines)) . '</pre>';
