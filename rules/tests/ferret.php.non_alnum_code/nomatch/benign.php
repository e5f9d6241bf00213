<?php
// Translation helper: __() and _e() in a template.
$title = __('Settings');
$_ = 'unused';
echo $title;
_e('Saved');
