<?php
// Nightly export of report data.
$db->query("SELECT id, total FROM reports INTO OUTFILE '/var/lib/mysql-files/reports.csv'");
