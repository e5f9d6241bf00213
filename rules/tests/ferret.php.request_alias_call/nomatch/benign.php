<?php
$r = $_GET;
echo $r['f'];
