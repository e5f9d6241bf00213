<?php
$names = array_map('trim', explode(',', $_GET['names'] ?? ''));
$upper = array_map('strtoupper', $names);
call_user_func_array('printf', array("%s\n", implode(' ', $upper)));
