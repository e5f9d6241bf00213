<?php
echo preg_replace('/\s+/', ' ', 'a   b');
