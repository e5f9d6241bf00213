<?php
$handlers = array('list' => 'do_list', 'show' => 'do_show');
$op = isset($_GET['op'], $handlers[$_GET['op']]) ? $handlers[$_GET['op']] : 'do_list';
call_user_func($op);
