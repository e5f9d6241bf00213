<?php
$clean = array_map('trim', $_POST['items']);
$sorted = call_user_func([$this, 'sortItems'], $_GET['order']);
