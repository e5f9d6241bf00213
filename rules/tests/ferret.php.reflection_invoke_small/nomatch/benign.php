<?php
$r = new ReflectionClass('Example');
echo $r->getShortName();
