<?php
class K { public $h; function __destruct() { fclose($this->h); } }
