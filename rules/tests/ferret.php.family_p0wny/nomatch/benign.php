<?php
function featureFlag($name) { return true; }
