<?php
$dir = $_GET['d'];
echo shell_exec('ls -l ' . escapeshellarg($dir));
class Runner { public function exec($cmd) { return 0; } }
