<?php
function x($a){ return $a; }
echo x(base64_decode('dGVzdA=='));
