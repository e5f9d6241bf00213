<?php
$w = new COM('Word.Application');
