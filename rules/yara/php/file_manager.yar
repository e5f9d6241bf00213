// Full-featured web shells: host reconnaissance, command presets and file-manager panels.

rule php_shell_recon_presets
{
    meta:
        id = "ferret.php.shell_recon_presets"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Canned post-exploitation commands (find SUID files, read /etc/passwd, netstat, locate config files...) offered by a web shell's command menu"
    strings:
        $c1 = "cat /etc/passwd" nocase
        $c2 = /perm\s+-0?[42]000/
        $c3 = /-name\s+(config\.inc\.php|\.htpasswd|service\.pwd|config\.php|\.bash_history|\.fetchmailrc|wp-config\.php)/ nocase
        $c4 = "netstat -an" nocase
        $c5 = "lsattr -va" nocase
        $c6 = /ps\s+-?aux/ nocase
        $c7 = /cat\s+\/proc\/(version|cpuinfo)/ nocase
        $c8 = "cat /etc/issue" nocase
        $c9 = /locate\s+(httpd\.conf|config\.|vhosts|proftpd\.conf|\.htpasswd|\.bash_history|psybnc\.conf)/ nocase
        $c10 = "/var/cpanel/accounting.log" nocase
        $c11 = "/etc/named.conf" nocase
        $c12 = "ipconfig /all" nocase
        $c13 = /net\s+(user|localgroup|view|start|share)\b/ nocase
        $c14 = "tasklist" nocase
        $c15 = "cat /etc/shadow" nocase
        $c16 = /ls\s+-la?\b/
        $c17 = "/etc/httpd/conf" nocase
        $c18 = /uname\s+-a/
        $c19 = /cut\s+-d:\s+-f1/
        $c20 = "/etc/valiases" nocase
    condition:
        4 of them
}

rule php_shell_recon_few
{
    meta:
        id = "ferret.php.shell_recon_few"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "A few canned reconnaissance commands (cat /etc/passwd, find -perm -4000, netstat -an, uname -a) embedded in PHP"
    strings:
        $c1 = "cat /etc/passwd" nocase
        $c2 = /perm\s+-0?[42]000/
        $c4 = "netstat -an" nocase
        $c5 = "lsattr -va" nocase
        $c6 = /ps\s+-?aux/ nocase
        $c7 = /cat\s+\/proc\/(version|cpuinfo)/ nocase
        $c8 = "cat /etc/issue" nocase
        $c10 = "/var/cpanel/accounting.log" nocase
        $c12 = "ipconfig /all" nocase
        $c15 = "cat /etc/shadow" nocase
        $c18 = /uname\s+-a/
    condition:
        2 of them
}

rule php_shell_env_recon
{
    meta:
        id = "ferret.php.shell_env_recon"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Collects the host facts a web-shell banner shows: safe_mode, disable_functions, open_basedir, uname, uid/gid, free disk space"
    strings:
        $e1 = /ini_get\s*\(\s*['"]safe_mode['"]/ nocase
        $e2 = /ini_get\s*\(\s*['"]disable_functions['"]/ nocase
        $e3 = /ini_get\s*\(\s*['"]open_basedir['"]/ nocase
        $e4 = /php_uname\s*\(/ nocase
        $e5 = /posix_getpwuid\s*\(/ nocase
        $e6 = /posix_getgrgid\s*\(/ nocase
        $e7 = /getmyuid\s*\(/ nocase
        $e8 = /disk_free_space\s*\(/ nocase
        $e9 = /get_current_user\s*\(/ nocase
        $e10 = /posix_geteuid\s*\(/ nocase
    condition:
        4 of them
}

rule php_shell_env_recon_exec
{
    meta:
        id = "ferret.php.shell_env_recon_exec"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Host reconnaissance banner (safe_mode, disable_functions, uname, uid) together with command execution and request handling: a web-shell panel"
    strings:
        $e1 = /ini_get\s*\(\s*['"]safe_mode['"]/ nocase
        $e2 = /ini_get\s*\(\s*['"]disable_functions['"]/ nocase
        $e3 = /ini_get\s*\(\s*['"]open_basedir['"]/ nocase
        $e4 = /php_uname\s*\(/ nocase
        $e5 = /posix_getpwuid\s*\(/ nocase
        $e6 = /posix_getgrgid\s*\(/ nocase
        $e7 = /getmyuid\s*\(/ nocase
        $e8 = /disk_free_space\s*\(/ nocase
        $x = /(^|[^\w>$:\\])(system|passthru|shell_exec|popen|proc_open)\s*\(\s*@?\s*\$/ nocase
        $req = /\$_(GET|POST|REQUEST|COOKIE)\b|\$HTTP_(GET|POST)_VARS/
    condition:
        4 of ($e*) and $x and $req
}

rule php_file_manager_panel
{
    meta:
        id = "ferret.php.file_manager_panel"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Request-driven file manager: permission strings from fileperms(), owner lookup and delete/rename/chmod of request-chosen paths"
    strings:
        $p1 = /0x[cC]000/
        $p2 = /&\s*0x4000/
        $p3 = /fileperms\s*\(/ nocase
        $o = /posix_getpwuid\s*\(\s*@?fileowner/ nocase
        $a1 = /(unlink|rmdir|chmod|rename|touch)\s*\(\s*@?\s*\$_(GET|POST|REQUEST)/ nocase
        $a2 = /(unlink|rmdir|chmod|rename)\s*\(/ nocase
        $req = /\$_(GET|POST|REQUEST)\s*\[\s*['"]?(dir|d|path|file|f|chdir|act|action|p1|p2)['"]?\s*\]/
    condition:
        (($p1 and $p2 and $p3) or $o) and ($a1 or ($a2 and $req))
}

rule php_file_edit_request
{
    meta:
        id = "ferret.php.file_edit_request"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Writes request data to a request-chosen file path (fopen/fwrite, file_put_contents): remote file write / shell dropper"
    strings:
        $a = /file_put_contents\s*\(\s*@?\s*(\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|\$_SERVER\s*\[\s*['"]HTTP_)[^;]{1,80},\s*@?\s*([\w\\]{2,24}\s*\(\s*){0,3}(\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]|\$_SERVER\s*\[\s*['"]HTTP_)/ nocase
        $b = /fopen\s*\(\s*@?\s*\$_(GET|POST|REQUEST|COOKIE)\s*[\[{][^;]{1,60};[^;]{0,80}(fwrite|fputs)\s*\([^;,]{1,30},\s*@?\s*([\w\\]{2,24}\s*\(\s*){0,3}\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]/ nocase
    condition:
        any of them
}

rule php_shell_ui_strings
{
    meta:
        id = "ferret.php.shell_ui_strings"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Web-shell panel vocabulary: safe-mode bypass, back-connect, bind port, SUID search, self-remove"
    strings:
        $s1 = /safe[\s_-]?mode\s+bypass/ nocase
        $s2 = /back[\s_-]?connect/ nocase
        $s3 = /bind\s*port/ nocase
        $s4 = /self[\s_-]?remove|kill\s+shell|remove\s+shell/ nocase
        $s5 = "suid" nocase
        $s6 = /open_basedir\s+bypass/ nocase
        $s7 = /(reverse|bind)\s+shell/ nocase
        $s8 = /disable_functions/ nocase
        $s9 = /\bshell\b/ nocase
        $s10 = /\b(hack|hacker|hacked|h4x|0wn|pwn)/ nocase
    condition:
        3 of them
}
