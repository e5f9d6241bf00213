<?php
// Feature probe for the diagnostics page (no command is run).
$features = array(
    'exec'   => function_exists('exec'),
    'system' => function_exists('system'),
    'mbstring' => function_exists('mb_strlen'),
);
foreach ($features as $k => $v) echo $k, ': ', $v ? 'yes' : 'no', "\n";
