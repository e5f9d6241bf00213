<?php
$tpl = '<p>hi</p>';
echo $tpl;
