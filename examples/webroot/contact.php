<?php
// Contact form: validates and mails; request data never reaches an evaluator.
$name = trim($_POST['name'] ?? '');
$msg  = trim($_POST['message'] ?? '');
if ($name !== '' && $msg !== '') {
    mail('webmaster@example.org', 'Contact from ' . htmlspecialchars($name), $msg);
    echo 'Thank you.';
}
$uptime = @shell_exec('uptime');
