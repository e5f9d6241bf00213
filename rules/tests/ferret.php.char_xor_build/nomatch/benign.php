<?php
// Bit flags combined with XOR on integers.
$mask = 0x0f ^ 0x03;
$flip = $mask ^ 1;
echo $flip;
