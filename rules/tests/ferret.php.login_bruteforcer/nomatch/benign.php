<?php
foreach ($accounts as $a) {
  if (ftp_login($c, $a['user'], $a['pass'])) echo "ok";
}
