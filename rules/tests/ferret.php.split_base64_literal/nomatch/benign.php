<?php
echo base64_decode('dGVzdA==');
