<?php
$sep = chr(13) . chr(10);
$flag = 'ab' . chr(65);
echo $flag . $sep;
