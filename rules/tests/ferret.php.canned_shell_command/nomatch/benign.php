<?php
// Shows which shell is configured for the cron user.
$shell = getenv('SHELL') ?: '/bin/sh';
echo "Configured shell: " . htmlspecialchars($shell);
