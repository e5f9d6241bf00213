<?php
$fn = 'strtoupper';
echo $fn('a');
$t = $_GET['t'];
$sql = "SELECT * FROM $t (";
