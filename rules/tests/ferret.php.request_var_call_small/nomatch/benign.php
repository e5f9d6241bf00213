<?php
$page = $_GET['page'];
$sort = $_GET['sort'];
render($page);
