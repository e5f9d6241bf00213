<?php
include __DIR__ . '/header.php';
