<?php
$a = 'x' . 'y';
$b = 5 ^ 3;
echo $a, $b;
