<?php
echo strrev('hello');
