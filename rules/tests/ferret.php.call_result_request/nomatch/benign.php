<?php
echo trim($_GET['x'] ?? '');
