<?php
// Import a gzip-compressed template.
$filename = "compress.zlib://" . __DIR__ . "/templates/default.xml.gz";
$xml = file_get_contents($filename);
