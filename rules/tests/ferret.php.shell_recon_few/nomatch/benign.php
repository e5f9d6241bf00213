<?php
echo "Run netstat -an to see open ports";
