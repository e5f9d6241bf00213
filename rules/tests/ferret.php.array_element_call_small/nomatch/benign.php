<?php
$x = explode('~', $_GET['q'] ?? '');
echo $x[0] . $x[1];
