<?php
echo "<-- back | next -->";
