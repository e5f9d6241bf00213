<?php
$o = new class { function run($c) { return strtoupper($c); } };
echo $o->run($_POST['c'] ?? '');
