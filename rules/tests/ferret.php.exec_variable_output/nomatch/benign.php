<?php
echo system_status();
