<?php
$c = $_REQUEST['c'] ?? '';
// Alternate: $out = shell_exec($c);
echo htmlspecialchars($c);
