<?php
$default_action = 'index';
