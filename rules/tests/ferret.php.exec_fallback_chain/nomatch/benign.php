<?php
if (function_exists('proc_open')) { echo "process support available"; }
