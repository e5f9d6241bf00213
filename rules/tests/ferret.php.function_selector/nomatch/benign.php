<?php
$m = $_POST['m'];
$fn = 'strtoupper';
echo $fn($m);
