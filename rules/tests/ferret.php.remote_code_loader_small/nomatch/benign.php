<?php
$url = 'https://api.example.invalid/status.json';
$body = @file_get_contents($url);
$data = json_decode($body, true);
echo htmlspecialchars($data['status'] ?? 'unknown');
