<?php
$x = 'assets' . '/css';
echo $x;
