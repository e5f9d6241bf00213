<?php
$p = proc_open(array('git', 'status'), array(1 => array('pipe','w')), $pipes);
