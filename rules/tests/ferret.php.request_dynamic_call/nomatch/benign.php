<?php
echo ucfirst($_GET['name'] ?? '');
