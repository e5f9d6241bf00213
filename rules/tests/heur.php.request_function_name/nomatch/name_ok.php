<?php $action = 'show_' . preg_replace('/\W/', '', 'list');
if (function_exists($action)) { echo 'ok'; }
