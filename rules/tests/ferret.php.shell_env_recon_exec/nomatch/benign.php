<?php
echo ini_get('safe_mode'), ini_get('disable_functions'), php_uname(), getmyuid();
