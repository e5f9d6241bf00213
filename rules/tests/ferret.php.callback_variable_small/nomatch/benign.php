<?php
$arr = array(3, 1, 2);
usort($arr, function ($a, $b) { return $a <=> $b; });
echo implode(',', $arr);
