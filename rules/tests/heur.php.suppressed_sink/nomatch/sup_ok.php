<?php
$fh = @fopen('/tmp/x', 'r');
$v = @unserialize($s);
