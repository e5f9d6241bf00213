<?php
$label = ($hash === 'd41d8cd98f00b204e9800998ecf8427e') ? 'empty file' : 'has content';
echo $label;
