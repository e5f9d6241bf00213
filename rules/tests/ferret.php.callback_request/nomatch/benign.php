<?php
$ids = array_map('intval', $_POST['ids']);
echo count($ids);
