<?php
function perms($f) { $p = fileperms($f); if (($p & 0xC000) == 0xC000) return 's'; if (($p & 0x4000) == 0x4000) return 'd'; return '-'; }
echo perms(__FILE__);
