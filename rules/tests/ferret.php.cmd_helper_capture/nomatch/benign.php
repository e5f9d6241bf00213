<?php
// Runs the configured converter and logs failures.
function convert_image($src, $dst) {
    $cmd = escapeshellcmd(CONVERT_BIN) . ' ' . escapeshellarg($src) . ' ' . escapeshellarg($dst);
    exec($cmd, $lines, $rc);
    if ($rc !== 0) error_log(implode("\n", $lines));
    return $rc === 0;
}
