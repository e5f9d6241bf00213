<?php
$f = "ass"."ets/app.css";
