<?php
echo 'ISO 3166 code r5';
