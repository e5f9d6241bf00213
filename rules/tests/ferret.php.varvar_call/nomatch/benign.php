<?php
$name = 'config';
echo ${$name}['title'];
