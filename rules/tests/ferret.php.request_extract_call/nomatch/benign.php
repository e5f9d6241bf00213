<?php
extract(array('a' => 1));
echo $a;
