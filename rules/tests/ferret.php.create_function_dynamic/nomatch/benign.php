<?php
$f = create_function('$a', 'return $a * 2;');
