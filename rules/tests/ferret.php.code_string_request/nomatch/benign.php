<?php
function current_page() {
    return 'page-' . $_GET['p'];
}
echo htmlspecialchars(current_page());
