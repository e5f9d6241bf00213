<?php
$p = new Parser();
$p->evaluate('1+1');
