<?php
$expr = '1 + 1';
$v = eval('return ' . $expr . ';');
$name = $_GET['name'];
echo htmlspecialchars($name);
