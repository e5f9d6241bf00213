<?php
$l = mysqli_connect('localhost', 'app', getenv('DB_PASS'));
$r = mysqli_query($l, 'SELECT 1');
