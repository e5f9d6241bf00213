<?php
$names = array_map('trim', array(' a ', ' b '));
echo implode(',', $names);
