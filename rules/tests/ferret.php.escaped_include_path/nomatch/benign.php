<?php
// Plugin loader with a tab in an error message.
include __DIR__ . "/lib/helpers.php";
error_log("missing:\t" . $name . "\n");
