<?php
echo mb_ereg_replace('a', 'b', 'aaa', 'i');
