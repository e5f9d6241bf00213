<?php
$grades = array('a','b','c','d','f');
foreach ($grades as $g) {
    echo strtoupper($g), "\n";
}
