<?php
$key = sprintf('%s-%s', $prefix, $id);
$label = sprintf('%s_%d', 'row', 4);
echo $key, $label;
