<?php
$k = 'strlen';
echo $k('abc');
