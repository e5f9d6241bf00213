<?php
$bytes = "\x00\x11\x10";
$k = $a ^ $b;
