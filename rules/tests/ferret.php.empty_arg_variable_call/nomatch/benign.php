<?php
$x = $y('a', 'b');
