<?php
echo base64_decode('ZWNobyB0ZXN0');
