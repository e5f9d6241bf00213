<?php
$f = $_GET['f'] ?? '';
echo htmlspecialchars($f);
