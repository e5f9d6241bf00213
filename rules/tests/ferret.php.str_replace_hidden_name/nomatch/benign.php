<?php
$f = str_replace('_', '', 'user_name');
