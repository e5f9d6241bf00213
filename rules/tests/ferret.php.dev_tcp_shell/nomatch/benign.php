<?php
// benign: explains a /dev/tcp probe in text, runs nothing
echo "bash can open /dev/tcp/host/port";
