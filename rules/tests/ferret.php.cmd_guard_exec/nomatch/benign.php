<?php
$command = $argv[1] ?? '';
if ($command != "") {
    echo "Unknown sub-command: " . $command . "\n";
}
