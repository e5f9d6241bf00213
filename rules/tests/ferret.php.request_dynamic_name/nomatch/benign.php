<?php
$f = 'strtolower';
echo $f('ABC');
