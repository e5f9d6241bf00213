<?php
$digits = array('0','1','2','3','4','5','6','7','8','9');
echo implode(',', $digits);
