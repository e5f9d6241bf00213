<?php
$mask = $a ^ $b;
echo 'x' . 'y';
