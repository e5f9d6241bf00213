<?php
$x = $_POST['x'] ?? '';
echo htmlspecialchars($x);
