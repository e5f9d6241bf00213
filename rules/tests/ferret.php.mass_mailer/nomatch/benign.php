<?php
$to = 'admin@example.org';
mail($to, 'Report', 'Nightly report done');
