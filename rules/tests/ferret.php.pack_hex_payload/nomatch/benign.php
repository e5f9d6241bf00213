<?php
// Binary header for the export format.
$hdr = pack("H*", "cafebabe") . pack("N", 2);
file_put_contents('/tmp/export.bin', $hdr);
