<?php
function shell_escape($cmd) { return escapeshellarg($cmd); }
