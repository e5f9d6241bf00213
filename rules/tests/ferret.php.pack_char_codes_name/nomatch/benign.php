<?php
// Binary record: magic then version.
$rec = pack('c*', 0x7f, 0x45) . pack('n', 3);
file_put_contents('/tmp/out.bin', $rec);
