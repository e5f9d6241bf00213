<?php
echo "<h1>Shell completion</h1><p>Configure your bash shell.</p>";
