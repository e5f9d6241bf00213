<?php
$tpl = "Hello {name}, you have {count} messages";
echo strtr($tpl, array('{name}' => $user, '{count}' => $n));
