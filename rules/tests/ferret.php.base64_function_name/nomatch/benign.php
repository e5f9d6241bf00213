<?php
// Decode an attachment name sent base64-encoded by the mail client.
$name = base64_decode($_POST['filename_b64']);
$hello = base64_decode('aGVsbG8gd29ybGQ=');
echo htmlspecialchars($name . $hello);
