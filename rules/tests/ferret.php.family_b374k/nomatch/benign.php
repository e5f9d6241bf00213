<?php
// b-tree test
