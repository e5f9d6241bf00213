<?php
foreach (glob(__DIR__ . '/plugins/*.php') as $f) { require_once $f; }
$hooks = ['init' => 'my_init'];
call_user_func($hooks['init']);
