<?php
// Shop plugin: merged parameter bag, only displayed.
$_GP = array_merge($_GET, $_POST);
echo htmlspecialchars($_GP['title'] ?? '');
