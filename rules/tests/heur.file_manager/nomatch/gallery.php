<?php
// Lists a fixed folder; deletes only a validated, basename'd file.
foreach (scandir(__DIR__ . '/gallery') as $f) { echo htmlspecialchars($f), "\n"; }
if (isset($_POST['rm']) && ctype_alnum(str_replace('.', '', $_POST['rm']))) {
    unlink(__DIR__ . '/gallery/' . basename($_POST['rm']));
}
