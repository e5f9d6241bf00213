<?php
// benign admin doc: run `uname -a` to report your kernel
echo "Please include the output of uname -a";
