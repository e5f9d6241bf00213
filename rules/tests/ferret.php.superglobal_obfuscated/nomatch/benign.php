<?php
$name = ${'foo' . 'bar'};
$p = $_POST;
