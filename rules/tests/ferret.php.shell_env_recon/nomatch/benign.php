<?php
echo php_uname(), PHP_VERSION;
