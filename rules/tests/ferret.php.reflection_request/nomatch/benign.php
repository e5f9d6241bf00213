<?php
$f = new ReflectionFunction('strlen');
echo $f->getNumberOfParameters();
