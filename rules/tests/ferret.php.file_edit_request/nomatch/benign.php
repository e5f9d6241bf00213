<?php
file_put_contents(__DIR__ . '/cache.txt', json_encode($_POST['c'] ?? ''));
