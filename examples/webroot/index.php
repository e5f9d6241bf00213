<?php
// Front page: includes a fixed header and lists the latest posts.
require_once __DIR__ . '/includes/db.inc';
$page = isset($_GET['page']) ? (int) $_GET['page'] : 1;
$posts = latest_posts($page);
foreach ($posts as $p) {
    echo '<h2>' . htmlspecialchars($p['title']) . '</h2>';
}
