<?php
$pages = array('home' => 'home.php', 'about' => 'about.php');
$p = $_GET['p'] ?? 'home';
include isset($pages[$p]) ? $pages[$p] : 'home.php';
