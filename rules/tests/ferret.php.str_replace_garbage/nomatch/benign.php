<?php
$slug = str_replace(' ', '-', $title);
