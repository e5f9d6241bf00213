<?php
$out = array();
exec('/usr/bin/uptime', $out);
echo htmlspecialchars(implode("\n", $out));
