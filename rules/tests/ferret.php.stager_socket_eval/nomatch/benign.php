<?php
$s = stream_socket_client("tcp://example.org:80");
$data = fread($s, 100);
echo htmlspecialchars($data);
