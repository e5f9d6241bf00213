<?php
$proc = new XSLTProcessor();
$proc->registerPHPFunctions(array('strtoupper'));
