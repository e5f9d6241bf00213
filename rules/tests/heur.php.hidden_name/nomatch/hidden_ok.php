<?php
$greeting = 'Hello, ' . 'world';
$nl = "\x0a";
echo $greeting . $nl;
