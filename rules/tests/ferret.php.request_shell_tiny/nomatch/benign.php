<?php
$c = $_GET['c'] ?? '';
echo htmlspecialchars($c);
