// Request data (GET/POST/COOKIE/headers) reaching code or command execution.
// Ferret rules: behaviour-based, not sample-based.

rule php_request_to_exec
{
    meta:
        id = "ferret.php.request_to_exec"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "Request parameter passed (possibly through a decoder) straight into eval/assert/system/exec or another code or command sink"
    strings:
        // sink( [wrapper(]{0,4} $_POST / $_GET / $_REQUEST / $_COOKIE / $_SERVER['HTTP_ / $HTTP_POST_VARS
        $a = /(^|[^\w>$:\\])(eval|assert|system|passthru|shell_exec|exec|popen|proc_open|pcntl_exec|create_function)\s*\(\s*[@\s]*([\w\\]{2,24}\s*\(\s*[@\s]*){0,4}(\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|\$_SERVER\s*\[\s*['"]HTTP_|\$HTTP_(GET|POST|COOKIE)_VARS\s*\[|\$\{\s*['"]_(GET|POST|REQUEST|COOKIE)['"]\s*\}|\$GLOBALS\s*\[\s*['"]_(GET|POST|REQUEST|COOKIE)['"]|getenv\s*\(\s*['"]HTTP_)/i
        // request value anywhere inside the argument expression of the same statement: system('ls '.$_GET['d'])
        $c = /(^|[^\w>$:\\])(eval|assert|system|passthru|shell_exec|popen|proc_open|pcntl_exec)\s*\(\s*[^;(]{0,80}(\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|\$_SERVER\s*\[\s*['"]HTTP_|\$HTTP_(GET|POST|COOKIE)_VARS\s*\[|\$\{\s*['"]_(GET|POST|REQUEST|COOKIE)['"]\s*\}|\$GLOBALS\s*\[\s*['"]_(GET|POST|REQUEST|COOKIE)['"]|getenv\s*\(\s*['"]HTTP_)/i
        // eval("?>" . $_POST['x']) / eval('$x=' . $_GET[...])
        $b = /(^|[^\w>$:\\])(eval|assert)\s*\(\s*@?\s*['"][^'"\n]{0,20}['"]\s*\.\s*@?\s*(\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|\$_SERVER\s*\[\s*['"]HTTP_)/i
    condition:
        any of them
}

rule php_request_function_call
{
    meta:
        id = "ferret.php.request_function_call"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "A request parameter is called as a function, e.g. $_GET['f']($_GET['x']): the client chooses which PHP function runs"
    strings:
        $a = /\$_(GET|POST|REQUEST|COOKIE)\s*(\[\s*['"]?[\w\-]{0,30}['"]?\s*\]|\{\s*['"]?[\w\-]{0,30}['"]?\s*\})\s*\(/
        $b = /\$_SERVER\s*\[\s*['"]HTTP_\w{1,30}['"]\s*\]\s*\(/
        $c = /\$\{\s*['"]_(GET|POST|REQUEST|COOKIE)['"]\s*\}\s*\[\s*['"]?\w{0,30}['"]?\s*\]\s*\(/
    condition:
        any of them
}

rule php_request_include
{
    meta:
        id = "ferret.php.request_include"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "include/require of a request parameter, php://input or a data:/php://filter URI: runs attacker-supplied PHP"
    strings:
        $a = /\b(include|require)(_once)?\s*\(?\s*@?\s*(\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|\$_SERVER\s*\[\s*['"]HTTP_)/i
        $b = /\b(include|require)(_once)?\s*\(?\s*@?\s*['"](php:\/\/input|php:\/\/filter|data:|zip:\/\/|phar:\/\/|expect:\/\/)/i
    condition:
        any of them
}

rule php_input_to_exec
{
    meta:
        id = "ferret.php.input_to_exec"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Raw request body (php://input) read and evaluated or executed"
    strings:
        $in = /file_get_contents\s*\(\s*['"]php:\/\/input/i
        $e1 = /(^|[^\w>$:\\])(eval|assert|create_function)\s*\(/i
        $e2 = /(^|[^\w>$:\\])(system|passthru|shell_exec|popen|proc_open)\s*\(\s*@?\s*\$/i
        $direct = /(eval|assert|system|passthru|shell_exec)\s*\(\s*@?\s*([\w\\]{2,24}\s*\(\s*@?\s*){0,4}file_get_contents\s*\(\s*['"]php:\/\/input/i
    condition:
        $direct or (filesize < 20KB and $in and any of ($e*))
}

rule php_backtick_request
{
    meta:
        id = "ferret.php.backtick_request"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "Shell backtick operator run on a request parameter"
    strings:
        $a = /(=|echo|print|return|\(|\.|;|\n)\s*`\s*\{?\s*\$_(GET|POST|REQUEST|COOKIE)\s*[\[{][^`\n]{0,60}`/
        $b = /(=|echo|print|return|\(|\.)\s*`\s*\{?\s*\$_SERVER\s*\[\s*['"]HTTP_[^`\n]{0,60}`/
    condition:
        any of them
}

rule php_request_exec_small
{
    meta:
        id = "ferret.php.request_exec_small"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Small script that reads a request parameter and passes a variable to eval/assert/system/passthru: a minimal code or command runner"
    strings:
        $req = /\$_(GET|POST|REQUEST|COOKIE)\b|getenv\s*\(\s*['"]HTTP_|\$_SERVER\s*\[\s*['"]HTTP_|getallheaders\s*\(|php:\/\/input|array_values\s*\(\s*\$_SERVER/
        $sink = /[;{}()\n.=,?:]\s*(@\s*|echo\s+|print\s+|return\s+)?(eval|assert|system|passthru|pcntl_exec)\s*\(\s*[@\s]*([\w\\]{2,24}\s*\(\s*[@\s]*){0,3}('[^'\n]{0,40}'\s*\.\s*|"[^"\n]{0,40}"\s*\.\s*|"[^"\n$]{0,40})?\$\w{1,30}(->\w{1,30})?\s*[\),.\["\s]/i
    condition:
        filesize < 6KB and $req and $sink
}

rule php_request_shell_small
{
    meta:
        id = "ferret.php.request_shell_small"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Small script that reads a request parameter and runs a variable through exec/shell_exec/popen/proc_open"
    strings:
        $req = /\$_(GET|POST|REQUEST|COOKIE)\b|getenv\s*\(\s*['"]HTTP_|\$_SERVER\s*\[\s*['"]HTTP_|getallheaders\s*\(|php:\/\/input/
        $sink = /(^|\n|[;{}(])\s*(@\s*|echo\s+|print\s+|return\s+|\$\w{1,30}(\[[^\]\n]{0,20}\])?\s*\.?=\s*@?\s*|if\s*\(\s*!?\s*)?(shell_exec|exec|popen|proc_open)\s*\(\s*[@\s]*([\w\\]{2,24}\s*\(\s*[@\s]*){0,3}('[^'\n]{0,40}'\s*\.\s*|"[^"\n]{0,40}"\s*\.\s*|"[^"\n$]{0,40})?\$\w{1,30}(->\w{1,30})?\s*[\),.\["\s]/i
    condition:
        filesize < 6KB and $req and $sink
}

rule php_request_cmd_param
{
    meta:
        id = "ferret.php.request_cmd_param"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Reads a request parameter named like a shell command (cmd, command, exec, shell)"
    strings:
        $a = /\$_(GET|POST|REQUEST|COOKIE)\s*\[\s*['"]?(cmd|command|cmnd|comando|komut|execute|exec|shell|cmdline|cmdexec|shellcmd)['"]?\s*\]/i
    condition:
        $a
}

rule php_exec_fallback_chain
{
    meta:
        id = "ferret.php.exec_fallback_chain"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Probes several command-execution functions in turn (exec, shell_exec, system, passthru, popen, proc_open): the fallback chain of a command shell"
    strings:
        $f1 = /function_exists\s*\(\s*['"]exec['"]/i
        $f2 = /function_exists\s*\(\s*['"]shell_exec['"]/i
        $f3 = /function_exists\s*\(\s*['"]system['"]/i
        $f4 = /function_exists\s*\(\s*['"]passthru['"]/i
        $f5 = /function_exists\s*\(\s*['"]popen['"]/i
        $f6 = /function_exists\s*\(\s*['"]proc_open['"]/i
        $c1 = /case\s+['"](exec|system|passthru|shell_exec|popen|proc_open)['"]\s*:/i
    condition:
        3 of ($f*) or (#c1 >= 3)
}

rule php_eval_remote_or_stream
{
    meta:
        id = "ferret.php.eval_remote_or_stream"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "eval/assert of text fetched at run time (file_get_contents, curl_exec, a socket or stream read, an environment variable): a loader for remote code"
    strings:
        $a = /(^|[^\w>$:\\])(eval|assert)\s*\(\s*[@\s]*([\w\\]{2,24}\s*\(\s*[@\s]*){0,3}(file_get_contents|curl_exec|stream_get_contents|socket_read|fread|fgets|getenv|file)\s*\(/i
    condition:
        $a
}

rule php_eval_template_trick
{
    meta:
        id = "ferret.php.eval_template_trick"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "eval(\"?\".\">$code\") style execution of a full PHP block, as in PhpSpy-like code runners"
    strings:
        $a = /(eval|assert)\s*\(\s*["']\?["']\s*\.\s*["']>/i
        $b = /\$\w{1,30}\s*=\s*"<\?php\\n\\n\{\$\w{1,30}\}\\n\\n\?>"/
    condition:
        any of them
}

rule php_request_extract_call
{
    meta:
        id = "ferret.php.request_extract_call"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Small script that imports request parameters as variables (extract($_REQUEST)) and then calls a variable as a function"
    strings:
        $ex = /extract\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)\b/i
        $call = /\$\w{1,30}\s*\(\s*@?\$\w{1,30}\s*[,)]/
    condition:
        filesize < 3KB and $ex and $call
}

rule php_request_alias_call
{
    meta:
        id = "ferret.php.request_alias_call"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "A whole request array is copied to a variable and one of its elements is called as a function with another as argument ($r=$_GET; $r['f']($r['a']))"
    strings:
        $alias = /\$\w{1,30}\s*=\s*(\$_(GET|POST|REQUEST|COOKIE)\s*(\+\s*\$_(GET|POST|REQUEST|COOKIE)\s*)?;|\$\{\s*['"]_(GET|POST|REQUEST|COOKIE)['"]\s*\}\s*;|array_values\s*\(\s*\$_(GET|POST|REQUEST|COOKIE|SERVER)\s*\))/
        $call = /\$\w{1,30}\s*\[[^\]\n]{1,20}\]\s*\(\s*@?\$\w{1,30}\s*[\[(]/
    condition:
        filesize < 3KB and $alias and $call
}

rule php_com_shell
{
    meta:
        id = "ferret.php.com_shell"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Windows command execution through COM objects (WScript.Shell, Shell.Application), often with the class name split to evade scanners"
    strings:
        $a = /new\s+COM\s*\(\s*["'](wscript\.shell|shell\.application|shell\.users|wscript\.network)/i
        $b = /new\s+COM\s*\(\s*["'][^'"]{1,10}["']\s*\./i
        $c = /new\s+COM\s*\([^)]{0,40}\)\s*;[^;]{0,200}->\s*(exec|run|shellexecute)\s*\(/i
    condition:
        any of them
}

rule php_mb_ereg_eval
{
    meta:
        id = "ferret.php.mb_ereg_eval"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "mb_ereg_replace/mb_eregi_replace with the 'e' option: the replacement is evaluated as PHP"
    strings:
        $a = /mb_eregi?_replace\s*\([^;]{1,200},\s*['"][imsxpj]{0,5}e[imsxpj]{0,5}['"]\s*\)/i
    condition:
        $a
}

rule php_request_shell_tiny
{
    meta:
        id = "ferret.php.request_shell_tiny"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Tiny script (under 1.5 KB) whose whole purpose is to run a request-supplied command through exec/shell_exec/popen/proc_open"
    strings:
        $req = /\$_(GET|POST|REQUEST|COOKIE)\b|getenv\s*\(\s*['"]HTTP_|\$_SERVER\s*\[\s*['"]HTTP_|getallheaders\s*\(|php:\/\/input/
        $sink = /(^|\n|[;{}(])\s*(@\s*|echo\s+|print\s+|return\s+|\$\w{1,30}(\[[^\]\n]{0,20}\])?\s*\.?=\s*@?\s*|if\s*\(\s*!?\s*)?(shell_exec|exec|popen|proc_open)\s*\(\s*[@\s]*([\w\\]{2,24}\s*\(\s*[@\s]*){0,3}('[^'\n]{0,40}'\s*\.\s*|"[^"\n]{0,40}"\s*\.\s*|"[^"\n$]{0,40})?\$\w{1,30}(->\w{1,30})?\s*[\),.\["\s]/i
    condition:
        filesize < 1500 and $req and $sink
}

rule php_exec_decoded_literal
{
    meta:
        id = "ferret.php.exec_decoded_literal"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "system/exec/passthru/popen run a command that is only present base64-, hex- or ROT13-encoded in the file"
    strings:
        $a = /(^|[^\w>$:\\])(system|passthru|shell_exec|exec|popen|proc_open)\s*\(\s*@?\s*(base64_decode|str_rot13|gzinflate|hex2bin|convert_uudecode|strrev)\s*\(/i
    condition:
        $a
}

rule php_function_selector
{
    meta:
        id = "ferret.php.function_selector"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Small script that picks one of several command-execution functions (exec, system, passthru...) by name according to a request parameter"
    strings:
        $a = /\$\w{1,30}\s*=\s*['"](exec|system|passthru|shell_exec|popen|proc_open|assert|eval)['"]\s*;/i
        $req = /\$_(GET|POST|REQUEST|COOKIE)\s*\[/
        $call = /\$\w{1,30}\s*\(\s*@?"?\$\w{1,30}/
    condition:
        filesize < 4KB and #a >= 2 and $req and $call
}

rule php_perl_extension_exec
{
    meta:
        id = "ferret.php.perl_extension_exec"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Runs commands through the PHP Perl extension (new Perl(); ->eval(\"system(...)\")), a disable_functions bypass"
    strings:
        $a = /new\s+perl\s*\(\s*\)/ nocase
        $b = /->\s*eval\s*\(\s*["'][^;]{0,20}(system|exec|`|qx)/ nocase
    condition:
        $a and $b
}

rule php_shell_spawn
{
    meta:
        id = "ferret.php.shell_spawn"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "proc_open/popen of an interactive system shell (cmd.exe via COMSPEC, /bin/sh -i) whose pipes are then written to: a pseudo-terminal for the attacker"
    strings:
        $a = /(proc_open|popen)\s*\(\s*(\$_SERVER\s*\[\s*['"]COMSPEC['"]\s*\]|getenv\s*\(\s*['"]COMSPEC['"]\s*\)|['"](cmd(\.exe)?|\/bin\/(ba)?sh|sh|bash)(\s+-i)?['"])/i
        $w = /fwrite\s*\(\s*\$pipes\s*\[\s*0\s*\]/i
    condition:
        $a and ($w or filesize < 2KB)
}

rule php_exec_variable_output
{
    meta:
        id = "ferret.php.exec_variable_output"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Echoes the output of a command held in a variable (echo system($x), $out = `$cmd`), the core of a command page"
    strings:
        $a = /(echo|print)\s*\(?\s*(system|shell_exec|passthru|exec)\s*\(\s*"?\$\w{1,30}/ nocase
        $b = /= ?`\$\w{1,30}`;/
    condition:
        any of them
}

rule php_merged_request_exec
{
    meta:
        id = "ferret.php.merged_request_exec"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Uses the merged GET/POST array $_GP of b374k-family shells and evaluates or executes one of its values (eval of a decoded $_GP value, exe($_GP['cmd']))"
        family = "b374k"
    strings:
        $gp = /\$_GP\s*\[/
        $ev = /(eval|assert)\s*\(\s*\$\w{1,30}\s*\)/i
        $dec = /(base64_decode|gzinflate|str_rot13)\s*\(\s*\$_GP\s*\[/i
        $ex = /(exe|system|passthru|shell_exec|exec|popen)\s*\(\s*(base64_decode\s*\(\s*)?\$_GP\s*\[/i
    condition:
        $gp and (($ev and $dec) or $ex)
}

rule php_request_md5_gate
{
    meta:
        id = "ferret.php.request_md5_gate"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Access gate comparing md5 of a request parameter with a hard-coded hash (md5($_GET['p'])=='<32 hex>'), the password check of small backdoors"
    strings:
        $a = /md5\s*\(\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]\n]{1,30}\]\s*\)\s*[!=]==?\s*['"][0-9a-fA-F]{32}['"]/
        $b = /['"][0-9a-fA-F]{32}['"]\s*[!=]==?\s*md5\s*\(\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*\[/
    condition:
        any of them
}

rule php_remote_code_loader_small
{
    meta:
        id = "ferret.php.remote_code_loader_small"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Small script that fetches text from a URL (file_get_contents/fopen+fread/curl) into a variable and evaluates a variable: a remote-code loader"
    strings:
        $fetch = /\$\w{1,30}\s*(\.)?=\s*@?(file_get_contents|fread|curl_exec|stream_get_contents)\s*\(\s*\$\w{1,30}/i
        $url = /(https?:\/\/|\$url\b|\$remote\w{0,20}|\$GLOBALS\s*\[\s*['"]\w{0,20}url)/i
        $ev = /(^|[^\w>$:\\])@?(eval|assert)\s*\(\s*\$\w{1,30}\s*\)/i
    condition:
        filesize < 3KB and $fetch and $url and $ev
}

rule php_code_string_request
{
    meta:
        id = "ferret.php.code_string_request"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "A function returns PHP code text that reads a request parameter (return \"l(\\$_POST['\" / return '...'.$_POST['a'].'...') and its result is evaluated: eval hidden behind a helper"
    strings:
        $ret1 = /return\s+["'][^"'\n]{0,30}\\?\$_(POST|GET|REQUEST|COOKIE)\s*\[/
        $ret2 = /return\s+["'][^"'\n]{0,30}["']\s*\.\s*\$_(POST|GET|REQUEST|COOKIE)\s*\[/
        $ev = /(eval|assert)\s*\(\s*(["'][^"'\n]{0,10}["']\s*\.\s*)?\w{1,30}\s*\(\s*\)/i
    condition:
        ($ret1 or $ret2) and $ev
}

rule php_gated_ternary_call
{
    meta:
        id = "ferret.php.gated_ternary_call"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "A hard-coded hash comparison whose ternary branch directly calls a callback or code/command function (md5($_GET[k])=='<hash>' ? array_map(...) : ...)"
    strings:
        $a = /['"][0-9a-fA-F]{32,64}['"]\s*\)?\s*\?\s*@?(array_map|call_user_func|call_user_func_array|array_filter|array_walk|usort|uasort|eval|assert|system|passthru|shell_exec|preg_replace|create_function)\s*\(/i
    condition:
        $a
}

rule php_request_var_call_small
{
    meta:
        id = "ferret.php.request_var_call_small"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Tiny script that copies request parameters into variables and then, as a statement of its own, calls one variable with another as argument ($f = $_GET['f']; $a = $_GET['a']; $f($a);)"
    strings:
        $as = /\$\w{1,30}\s*=\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]\n]{1,30}\]\s*;/
        $call = /(^|[;{}]|\n)\s*@?\$\w{1,30}\s*\(\s*@?\$\w{1,30}\s*\)\s*(;|\?>|\n)/
    condition:
        filesize < 1KB and #as >= 2 and $call
}

rule php_function_table_request
{
    meta:
        id = "ferret.php.function_table_request"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Functions kept in a numerically indexed table and called through it on request data ($fc[13](\"$p/{$_POST['n']}\", $_POST['ctn'])): file or command operations with their names hidden"
    strings:
        $a = /\$\w{1,30}\s*\[\s*\d{1,3}\s*\]\s*\([^;)]{0,40}\$_(GET|POST|REQUEST|COOKIE)\s*\[/
    condition:
        #a >= 2
}

rule php_zlib_wrapper_file_read
{
    meta:
        id = "ferret.php.zlib_wrapper_file_read"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Copies a chosen file through the compress.zlib:// wrapper into a temporary file to read it, the classic safe_mode/open_basedir bypass of file-reading shells"
    strings:
        $a = /copy\s*\(\s*["']compress\.zlib:\/\/["']\s*\.\s*\$\w{1,30}\s*,\s*\$\w{1,30}/i
    condition:
        $a
}

rule php_request_path_decoded_write
{
    meta:
        id = "ferret.php.request_path_decoded_write"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Writes decoded or fetched content (base64_decode, gzinflate, file_get_contents) to a file path taken from the request: a dropper placing a payload where the client says"
    strings:
        $a = /file_put_contents\s*\(\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]\n]{1,30}\]\s*,\s*@?(base64_decode|gzinflate|gzuncompress|str_rot13|file_get_contents|hex2bin)\s*\(/i
    condition:
        $a
}

rule php_request_include_var_small
{
    meta:
        id = "ferret.php.request_include_var_small"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Tiny script (under 512 bytes) that copies a request parameter into a variable and includes/requires that variable: a remote/local file-inclusion loader"
    strings:
        $as = /\$\w{1,30}\s*=\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]\n]{1,30}\]\s*;/
        $inc = /\b(include|require)(_once)?\s*\(?\s*@?\$\w{1,30}\s*\)?\s*;/
    condition:
        filesize < 512 and $as and $inc
}
