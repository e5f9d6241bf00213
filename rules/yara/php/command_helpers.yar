// Command-runner helpers, register_globals-era command pages, canned shell commands and
// anti-forensic log wipers: command execution without an obvious request read.

rule php_cmd_helper_capture
{
    meta:
        id = "ferret.php.cmd_helper_capture"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Command runner that executes a command variable with error suppression and captures its output for the page (@ob_start(); @system($cmd); ob_get_contents / @popen($cmd) + fread loop / @exec($cmd,$out) + join / $x = @shell_exec($cmd); return $x): the command core of phpspy/WSO-style shells"
    strings:
        $ob = /ob_start\s*\(\s*\)\s*;\s*@(system|passthru)\s*\(\s*\$(cmd|command|cmds|c|s_c|comando|komut|kod|shellcmd|cmdline|execute)\s*\)\s*;\s*\$\w{1,30}\s*=\s*@?ob_get_contents/i
        $po = /\$\w{1,30}\s*=\s*@?popen\s*\(\s*\$(cmd|command|cmds|c|s_c|comando|komut|kod|shellcmd|cmdline|execute)\s*,\s*['"]r['"]\s*\)\s*;[\s{]{0,12}(\$\w{1,30}\s*=\s*['"]{2}\s*;\s*)?while\s*\(\s*!\s*@?feof/i
        $ex = /@exec\s*\(\s*\$(cmd|command|cmds|c|s_c|comando|komut|kod|shellcmd|cmdline|execute)\s*,\s*\$\w{1,30}\s*\)\s*;\s*\$\w{1,30}\s*=\s*(join|implode)\s*\(\s*["']\\n["']/i
        $se = /function\s+\w{1,40}\s*\(\s*\$(cmd|command|cmds|c|s_c|comando|komut|kod|shellcmd|cmdline|execute)\s*[,)][^{]{0,40}\{[^}]{0,200}\$\w{1,30}\s*=\s*@shell_exec\s*\(\s*\$(cmd|command|cmds|c|s_c|comando|komut|kod|shellcmd|cmdline|execute)\s*\)\s*;[^}]{0,40}return\s+\$/i
    condition:
        any of them
}

rule php_cmd_helper_fallback
{
    meta:
        id = "ferret.php.cmd_helper_fallback"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Command helper that tries several execution functions in turn (is_callable/function_exists checks, or a switch on the function name) and captures the output: the portable command core of a web shell"
    strings:
        $c1 = /(is_callable|function_exists)\s*\(\s*['"]system['"]\s*\)/i
        $c2 = /(is_callable|function_exists)\s*\(\s*['"]shell_exec['"]\s*\)/i
        $c3 = /(is_callable|function_exists)\s*\(\s*['"]exec['"]\s*\)/i
        $c4 = /(is_callable|function_exists)\s*\(\s*['"]passthru['"]\s*\)/i
        $c5 = /(is_callable|function_exists)\s*\(\s*['"]popen['"]\s*\)/i
        $c6 = /(is_callable|function_exists)\s*\(\s*['"]proc_open['"]\s*\)/i
        $cap = /ob_start\s*\(\s*\)\s*;\s*@?(system|passthru)\s*\(\s*\$\w{1,20}\s*\)/i
        $sw = /case\s+['"](exec|system|passthru|shell_exec|popen|proc_open)['"]\s*:\s*[^;]{0,40}@?(exec|system|passthru|shell_exec|popen|proc_open)\s*\(\s*\$(cmd|command|c|s_c)\b/i
        $wrap = /function\s+\w{1,40}\s*\(\s*\$(cmd|command|c|s_c)\s*,\s*\$(fun|func|function|method|f)\s*\)/i
    condition:
        (2 of ($c*) and $cap) or ($sw and $wrap)
}

rule php_command_form_sink
{
    meta:
        id = "ferret.php.command_form_sink"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Page with a form field named like a command (cmd, command, kod, komut) whose same-named variable is run by system/passthru/shell_exec/exec/popen: register_globals-era command shell"
    strings:
        $in = /<input[^>]{0,200}name\s*=\s*\\?["']?(cmd|command|kod|komut|comando|cmdline|shellcmd|execute)\\?["'\s>]/i
        $sink = /(^|[^\w>$:\\])(system|passthru|shell_exec|exec|popen|proc_open)\s*\(\s*"?\$(cmd|command|kod|komut|comando|cmdline|shellcmd|execute)\b/i
        $bt = /`\s*\$(cmd|command|kod|komut)\s*`/i
    condition:
        $in and ($sink or $bt)
}

rule php_cmd_variable_sink
{
    meta:
        id = "ferret.php.cmd_variable_sink"
        technique = "T1505.003"
        severity = "low"
        score = 20
        description = "A variable named like a shell command ($cmd, $command, $kod, $komut) is run by system/passthru/shell_exec, or the working directory is read with exec('pwd'): weak sign of a command page"
    strings:
        // (echo/print of the sink is exec_variable_output's signal; popen($command,'r') is too common)
        $a = /(=|;|\{|\n)\s*@?(system|passthru|shell_exec)\s*\(\s*"?\$(cmd|command|kod|komut|comando|cmdline|shellcmd)\b"?\s*[),]/i
        $b = /\$work_dir\s*=\s*@?exec\s*\(\s*['"]pwd['"]\s*\)/i
    condition:
        any of them
}

rule php_canned_shell_command
{
    meta:
        id = "ferret.php.canned_shell_command"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Spawns a system shell, pipes a command line into /bin/sh, or runs canned identity/recon commands (\"/bin/sh\", \"id\\npwd\") through exec/system/popen/proc_open"
    strings:
        $sh = /(^|[^\w>$:\\])(exec|system|passthru|shell_exec|popen|proc_open)\s*\(\s*['"]\/bin\/(ba|z|k)?sh( -i)?['"]/i
        $lit = /\$\w{1,30}\s*=\s*['"](\/bin\/(ba)?sh( -i)?|id\\n(pwd|whoami|uname -a)\\n|whoami\\n|(id|whoami|uname -a)\s*;\s*(pwd|id|whoami|uname -a))['"]\s*;/i
        $use = /(^|[^\w>$:\\])(exec|system|passthru|shell_exec|popen|proc_open)\s*\(\s*"?\$\w{1,30}"?\s*,/i
        // a command line piped into a shell: exec('echo "./' . $f . '" | /bin/sh')
        $pipe = /(^|[^\w>$:\\])(exec|system|passthru|shell_exec|popen|proc_open)\s*\([^;]{0,80}\|\s*\/bin\/(ba)?sh\b/i
    condition:
        $sh or $pipe or (filesize < 3KB and $lit and $use)
}

rule php_log_wiper
{
    meta:
        id = "ferret.php.log_wiper"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Anti-forensic log cleaner: deletes shell history and login records (.bash_history, wtmp/utmp/lastlog, unset HISTFILE) from PHP"
    strings:
        $h1 = ".bash_history" nocase
        $h2 = "unset HISTFILE" nocase
        $h3 = "/var/log/wtmp" nocase
        $h4 = "/var/run/utmp" nocase
        $h5 = "/var/log/lastlog" nocase
        $h6 = "/var/log/secure" nocase
        $h7 = "/var/log/messages" nocase
        $h8 = ".bash_logout" nocase
        $rm = /-exec\s+rm\s+-r?f|rm\s+-rf\s+\/var\/log|(unlink|system|exec|shell_exec|passthru)\s*\(\s*\$\w{1,30}\s*\)/i
    condition:
        3 of ($h*) and $rm
}

rule php_cmd_guard_exec
{
    meta:
        id = "ferret.php.cmd_guard_exec"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Tests whether a command-named variable was supplied (if($cmd != \"\"), if(!empty($command)), if(isset($cmd))) and then runs or prints it through a command function: the register_globals-era command shell idiom"
    strings:
        $a = /if\s*\(\s*(\$(cmd|command|kod|komut|comando|execute)\s*!=\s*["']{2}|!\s*empty\s*\(\s*\$(cmd|command|kod|komut|comando|execute)\s*\)|isset\s*\(\s*\$(cmd|command|kod|komut|comando|execute)\s*\))\s*\)\s*\{?\s*(echo\s+|print\s+|\$\w{1,20}\s*=\s*)?@?(system|passthru|shell_exec|exec|popen)\s*\(\s*"?\$(cmd|command|kod|komut|comando|execute)\b/i
    condition:
        $a
}
