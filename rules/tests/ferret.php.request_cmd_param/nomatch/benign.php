<?php
$c = $_GET['page'];
