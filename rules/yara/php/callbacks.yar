// Code execution through callbacks, reflection and magic methods instead of a direct eval().

rule php_callback_request
{
    meta:
        id = "ferret.php.callback_request"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "Callback-taking function (call_user_func, array_map, usort, register_shutdown_function, array_filter...) whose callback comes from the request"
    strings:
        // callback as first argument
        $a = /(call_user_func|call_user_func_array|array_map|register_shutdown_function|register_tick_function|forward_static_call|forward_static_call_array|set_error_handler|set_exception_handler|ob_start|array_walk|spl_autoload_register|header_register_callback)\s*\(\s*@?\s*(\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|\$_SERVER\s*\[\s*['"]HTTP_)/i
        // callback as a later argument
        $b = /(usort|uasort|uksort|array_filter|array_walk|array_walk_recursive|array_reduce|iterator_apply|preg_replace_callback|mb_ereg_replace_callback|array_intersect_ukey|array_intersect_uassoc|array_diff_ukey|array_diff_uassoc|array_udiff|array_udiff_assoc|array_udiff_uassoc|array_uintersect|array_uintersect_assoc|array_uintersect_uassoc)\s*\([^;]{1,120},\s*@?\s*(\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|\$_SERVER\s*\[\s*['"]HTTP_)/i
        // filter_var(..., FILTER_CALLBACK, array('options' => 'assert'))
        $c = /FILTER_CALLBACK[^;]{0,60}['"]options['"]\s*=>\s*(['"](assert|system|exec|passthru|shell_exec|eval|create_function)['"]|\$_(GET|POST|REQUEST|COOKIE))/i
    condition:
        any of them
}

rule php_callback_dangerous_literal
{
    meta:
        id = "ferret.php.callback_dangerous_literal"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "A code or command execution function (assert, system, passthru, create_function...) passed by name as a callback"
    strings:
        $a = /(call_user_func|call_user_func_array|array_map|register_shutdown_function|register_tick_function|forward_static_call|forward_static_call_array|set_error_handler|ob_start|spl_autoload_register|array_walk|usort|uasort|uksort|array_filter|array_walk_recursive|array_reduce|iterator_apply|preg_replace_callback|mb_ereg_replace_callback|array_intersect_ukey|array_intersect_uassoc|array_diff_ukey|array_diff_uassoc|array_udiff|array_udiff_assoc|array_udiff_uassoc|array_uintersect|array_uintersect_assoc|array_uintersect_uassoc)\s*\([^;]{0,100}['"](\\x0b|\\t|\s)?(assert|system|passthru|shell_exec|create_function|pcntl_exec|eval|popen|proc_open)['"]\s*[,)]/i
        // bare constant-style name (PHP < 8 turns it into a string): call_user_func_array(assert, ...)
        $c = /(call_user_func|call_user_func_array|array_map|register_shutdown_function|register_tick_function|forward_static_call|forward_static_call_array|set_error_handler|ob_start|spl_autoload_register|array_walk|usort|uasort|uksort|array_filter|array_walk_recursive|array_reduce|iterator_apply|preg_replace_callback|mb_ereg_replace_callback|array_intersect_ukey|array_intersect_uassoc|array_diff_ukey|array_diff_uassoc|array_udiff|array_udiff_assoc|array_udiff_uassoc|array_uintersect|array_uintersect_assoc|array_uintersect_uassoc)\s*\(\s*(assert|system|passthru|shell_exec|create_function)\s*,/i
        // callback name completed at run time: $x."ert", "ass".$y
        $d = /(call_user_func|call_user_func_array|array_map|register_shutdown_function|register_tick_function|forward_static_call|forward_static_call_array|set_error_handler|ob_start|spl_autoload_register|array_walk|usort|uasort|uksort|array_filter|array_walk_recursive|array_reduce|iterator_apply|preg_replace_callback|mb_ereg_replace_callback|array_intersect_ukey|array_intersect_uassoc|array_diff_ukey|array_diff_uassoc|array_udiff|array_udiff_assoc|array_udiff_uassoc|array_uintersect|array_uintersect_assoc|array_uintersect_uassoc)\s*\([^;]{0,100}(\$\w{1,30}\s*\.\s*['"](ert|sert|ssert|rt)['"]|['"](as|ass|asse|asser)['"]\s*\.\s*\$)/i
        $b = /new\s+ReflectionFunction\s*\(\s*['"](assert|system|passthru|shell_exec|exec|create_function|popen|proc_open)['"]/i
    condition:
        any of them
}

rule php_reflection_request
{
    meta:
        id = "ferret.php.reflection_request"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "ReflectionFunction/ReflectionMethod built from request data or a decoded string and invoked"
    strings:
        $a = /new\s+Reflection(Function|Method)\s*\(\s*@?\s*(\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|\$_SERVER\s*\[\s*['"]HTTP_|base64_decode|str_rot13|strrev|hex2bin)/i
    condition:
        $a
}

rule php_reflection_invoke_small
{
    meta:
        id = "ferret.php.reflection_invoke_small"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Small script that reads the request and invokes a function through Reflection (invoke/invokeArgs), hiding which function runs"
    strings:
        $r = /new\s+Reflection(Function|Method|Class)\s*\(/i
        $i = /->(invoke|invokeArgs|newInstanceArgs|getDocComment)\s*\(/i
        $req = /\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|php:\/\/input|\$_SERVER\s*\[\s*['"]HTTP_/
    condition:
        filesize < 4KB and $r and $i and $req
}

rule php_request_dynamic_call
{
    meta:
        id = "ferret.php.request_dynamic_call"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "A variable function is called directly on request data ($f($_POST['x'])), the typical one-line shell where $f holds assert/system"
    strings:
        $a = /\$\w{1,40}\s*\(\s*@?\s*(\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|\$_SERVER\s*\[\s*['"]HTTP_)/
        $b = /\$\w{1,40}\s*\(\s*['"]{2}\s*,\s*@?\s*(\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|\$_SERVER\s*\[\s*['"]HTTP_)/
    condition:
        any of them
}

rule php_magic_method_exec
{
    meta:
        id = "ferret.php.magic_method_exec"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Magic method (__destruct, __wakeup, __toString, __invoke, __get, __call...) that evaluates or runs a property or argument: object-based shell"
    strings:
        $a = /function\s+__(destruct|wakeup|tostring|invoke|get|set|call|callstatic|construct|unset|isset)\s*\([^)]{0,40}\)\s*\{[^}]{0,160}((eval|assert|system|passthru|shell_exec|create_function)\s*\(\s*@?\s*\$(this->\w+|\w{1,20})\s*[.)"]|call_user_func(_array)?\s*\(\s*\$this->\w+\s*,\s*\$this->)/i
        $b = /function\s+__(destruct|wakeup|tostring|invoke|get|set|call)\s*\([^)]{0,40}\)\s*\{[^}]{0,200}@?\$\w{1,20}\s*=\s*@?\$\w{1,20}\s*\(\s*['"]{2}\s*,\s*@?\$this->\w+\s*\)/i
    condition:
        any of them
}

rule php_anonymous_class_exec
{
    meta:
        id = "ferret.php.anonymous_class_exec"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Anonymous class whose methods eval or execute request data"
    strings:
        $a = /new\s+class\s*(\([^)]{0,80}\))?\s*\{[^}]{0,300}(eval|assert|system|passthru|shell_exec)\s*\(/i
        $req = /\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|php:\/\/input|\$_SERVER\s*\[\s*['"]HTTP_/
    condition:
        $a and $req
}

rule php_superglobal_obfuscated
{
    meta:
        id = "ferret.php.superglobal_obfuscated"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Request superglobal name built at run time (${\"_P\".\"OST\"}, $GLOBALS['_'.'GET'], ${'_'.'REQUEST'}) to hide request access"
    strings:
        $a = /\$\{\s*["'][_A-Z]{0,8}["']\s*\.\s*["'][_A-Z]{0,8}["']/
        $b = /\$GLOBALS\s*\[\s*["'][_A-Z]{0,8}["']\s*\.\s*["'][_A-Z]{0,8}["']/
        $c = /\$\{\s*["']\\x5f\\x(47|50|52|43)/i
        $d = /["']_(P["']\s*\.\s*["']OST|PO["']\s*\.\s*["']ST|POS["']\s*\.\s*["']T|G["']\s*\.\s*["']ET|GE["']\s*\.\s*["']T|REQ["']\s*\.\s*["']UEST|COO["']\s*\.\s*["']KIE)["']/
        $e = /["']_["']\s*\.\s*["'](POST|GET|REQUEST|COOKIE)["']/
    condition:
        any of them
}

rule php_request_dynamic_name
{
    meta:
        id = "ferret.php.request_dynamic_name"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "A dangerous function name ('assert', 'system', 'create_function'...) is stored in a variable, usually to be called indirectly"
    strings:
        $a = /\$\w{1,40}\s*=\s*['"](assert|system|passthru|shell_exec|exec|create_function|eval|base64_decode|str_rot13|gzinflate|proc_open|popen|pcntl_exec|call_user_func)['"]\s*;/i
    condition:
        $a
}

rule php_varvar_call
{
    meta:
        id = "ferret.php.varvar_call"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Element of a variable-variable array called as a function (${$_}[_](${$_}[__])): non-alphanumeric one-line shell on a hidden superglobal"
    strings:
        $a = /\$\{\s*\$\w{0,20}\s*\}\s*\[[^\]\n]{0,20}\]\s*\(\s*@?\$\{?\s*\$/
        $b = /\$\{\s*\$\w{0,20}\s*\}\s*\[[^\]\n]{0,20}\]\s*\(/
        $c = /\$\{\s*['"][^'"\n]{1,8}['"]\s*\^\s*['"]/
    condition:
        $a or ($b and $c)
}

rule php_xor_literal_pair
{
    meta:
        id = "ferret.php.xor_literal_pair"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Two short string literals XORed together ('~+d()'^'!{+{}'), which builds a hidden name such as _POST or assert at run time"
    strings:
        $a = /["'][^'"\n]{2,16}["']\s*\^\s*["'][^'"\n]{2,16}["']\s*[;).]/
    condition:
        $a
}

rule php_call_result_request
{
    meta:
        id = "ferret.php.call_result_request"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "The result of an expression or array element is immediately called with request data (f()($_GET['x']), $a[0]['k']($_POST['x']))"
    strings:
        $a = /\)\s*\)\s*\(\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]/
        $b = /\$\w{1,30}(\s*\[[^\]\n]{1,20}\]){1,3}\s*\(\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]/
        $c = /(file_get_contents|substr|strrev|str_replace|base64_decode|implode|trim)\s*\([^;()]{0,60}\)\s*\(\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]/
    condition:
        any of them
}

rule php_callback_variable_small
{
    meta:
        id = "ferret.php.callback_variable_small"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Small script that reads the request and hands a variable or decoded string to a callback-taking function (register_shutdown_function, uasort, array_filter...) as the callback"
    strings:
        $req = /\$_(GET|POST|REQUEST|COOKIE)\b|getallheaders\s*\(|php:\/\/input/
        $a = /(register_shutdown_function|register_tick_function|call_user_func|call_user_func_array|forward_static_call|forward_static_call_array|array_map|set_error_handler|set_exception_handler|ob_start)\s*\(\s*@?\s*(base64_decode\s*\(\s*|str_rot13\s*\(\s*|strrev\s*\(\s*|trim\s*\(\s*)?\$\w{1,30}\s*[,)=]/i
        $b = /(usort|uasort|uksort|array_filter|array_walk|array_walk_recursive|array_reduce|iterator_apply|array_udiff|array_udiff_assoc|array_uintersect|array_uintersect_assoc|array_intersect_ukey|array_intersect_uassoc|array_diff_ukey|array_diff_uassoc)\s*\([^;]{1,100},\s*@?\s*(base64_decode\s*\(\s*|str_rot13\s*\(\s*|strrev\s*\(\s*)?\$\w{1,30}(\s*\[[^\]]{1,10}\])*(\s*\.\s*\$\w{1,30}(\s*\[[^\]]{1,10}\])*)*\s*(,[^;]{0,20})?\)\s*[;:)]/i
    condition:
        filesize < 2KB and $req and ($a or $b)
}

rule php_partial_name_concat
{
    meta:
        id = "ferret.php.partial_name_concat"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "A fragment or truncated form of assert/system/base64_decode ('asser', 'syste') is kept in a variable or glued to one ($x.'sert', 'ass'.$y, 'base'/'64_de' pieces) to build a function name at run time"
    strings:
        $a = /\$\w{1,30}\s*\.\s*['"](ssert|sert|ystem|stem)['"]/
        $b = /['"](as|ass|asse|asser|sy|sys|syst|syste)['"]\s*\.\s*\$\w/
        $c = /['"](base|bas|base6)['"]\s*;[^;]{0,40}['"](64_de|e64_de|4_de|64_dec)/
        $d = /\$\w{1,30}\s*=\s*\(?\s*['"](ass|asse|asser|sys|syst|syste|passthr|shell_exe|create_functio|base64_decod)['"]\s*\)?\s*;/
        $e = /['"]\s*\.\s*['"]sert['"]\s*;/
    condition:
        $a or $b or $c or $d or $e
}

rule php_array_element_call_small
{
    meta:
        id = "ferret.php.array_element_call_small"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Tiny script that splits request or header data into an array and calls one element with another as its argument (@$x[0]($x[1]))"
    strings:
        $req = /\$_(GET|POST|REQUEST|COOKIE|SERVER)\b|getallheaders\s*\(|php:\/\/input/
        $call = /@?\$\w{1,30}\s*\[[^\]\n]{1,12}\]\s*\(\s*@?\$\w{1,30}\s*\[[^\]\n]{1,12}\]\s*\)/
    condition:
        filesize < 1KB and $req and $call
}

rule php_xsl_php_function
{
    meta:
        id = "ferret.php.xsl_php_function"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "XSLT stylesheet allowed to call PHP functions (registerPHPFunctions) that invokes assert/system/exec from the XSL"
    strings:
        $r = "registerPHPFunctions" nocase
        $f = /:function\s*\(\s*\\?['"](assert|system|exec|passthru|shell_exec|eval|create_function|popen)\\?['"]/ nocase
    condition:
        $r and $f
}

rule php_request_prefixed_dispatch
{
    meta:
        id = "ferret.php.request_prefixed_dispatch"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "call_user_func on a fixed prefix glued to a request parameter ('action' . $_POST['a']): the request picks which handler runs, as in WSO-style panels"
    strings:
        $a = /call_user_func(_array)?\s*\(\s*['"]\w{2,20}['"]\s*\.\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[/i
    condition:
        $a
}

rule php_host_keyed_cookie
{
    meta:
        id = "ferret.php.host_keyed_cookie"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Sets cookies named after md5 of the Host header (setcookie(md5($_SERVER['HTTP_HOST']).'...')), the per-site state store of WSO-family shells"
    strings:
        $a = /setcookie\s*\(\s*md5\s*\(\s*@?\$_SERVER\s*\[\s*['"]HTTP_HOST['"]\s*\]\s*\)\s*\./i
    condition:
        $a
}

rule php_varvar_request_import
{
    meta:
        id = "ferret.php.varvar_request_import"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Small script that walks superglobals named in a string array through variable variables (foreach (array('_POST','_GET') as $r) foreach ($$r as $k=>$v) $$k=$v) and then calls or evaluates a variable: request data reaches a dynamic call without naming $_POST"
    strings:
        $imp = /foreach\s*\(\s*array\s*\(\s*['"]_(POST|GET|COOKIE|REQUEST|SERVER)['"]/i
        $vv = /foreach\s*\(\s*\$\$\w{1,30}\s+as\s+\$\w{1,30}\s*=>/i
        $call = /(^|[;{}]\s*)@?\$\w{1,30}\s*\(\s*\$\$?\w{1,30}\s*\)\s*;/
        $new = /->newInstance(Args)?\s*\(\s*\$\w{1,30}\s*,/i
        $ev = /(eval|assert)\s*\(\s*\$\w{1,30}\s*\./i
    condition:
        filesize < 4KB and $imp and $vv and ($call or $new or $ev)
}
