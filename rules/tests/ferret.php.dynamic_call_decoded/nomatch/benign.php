<?php
echo strtoupper(base64_decode('dGVzdA=='));
