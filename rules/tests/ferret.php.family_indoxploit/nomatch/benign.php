<?php
echo "<title>Index of exploits database</title>";
