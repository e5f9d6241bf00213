<?php
$date = $p[0] . '-' . $p[1] . '-' . $p[2];
echo chr(0).chr(1).chr(2).chr(3).chr(4).chr(5).chr(6).chr(7);
