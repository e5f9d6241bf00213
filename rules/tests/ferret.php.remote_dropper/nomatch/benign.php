<?php
file_put_contents('cache.json', json_encode(array()));
