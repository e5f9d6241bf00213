<?php
/* Build a greeting */
$greeting = "Hello" . " " . "world"; // concatenation
echo $greeting; /* done */
