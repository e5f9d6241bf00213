<?php
// a spy on php performance: profiler
