<?php
setcookie('session_theme', md5('dark'), time() + 3600);
