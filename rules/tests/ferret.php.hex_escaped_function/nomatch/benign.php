<?php
$nl = "\x0a\x0d";
echo "tab\x09";
