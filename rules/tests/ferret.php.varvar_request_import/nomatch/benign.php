<?php
// Legacy import of known settings only.
foreach (array('_GET','_POST') as $src) {
    foreach ($$src as $k => $v) {
        if (in_array($k, array('page', 'sort'), true)) $settings[$k] = (int) $v;
    }
}
render_page($settings);
