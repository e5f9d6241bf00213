<?php
// Ferret test shell: the request names a function and its argument.
if (false) { $_GET['f']($_GET['a']); }
