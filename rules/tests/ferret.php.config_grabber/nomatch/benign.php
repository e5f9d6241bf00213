<?php
require __DIR__ . '/wp-config.php';
echo DB_NAME;
