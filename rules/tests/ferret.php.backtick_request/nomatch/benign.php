<?php
/** Defaults to `$_POST['user']` when not given. */
function f() {}
