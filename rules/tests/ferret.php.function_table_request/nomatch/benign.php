<?php
$cols = array('id', 'name');
echo htmlspecialchars($cols[0] . ': ' . $_GET['id']);
echo htmlspecialchars($cols[1] . ': ' . $_GET['name']);
