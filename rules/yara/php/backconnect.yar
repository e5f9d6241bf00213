// Reverse / bind shells and embedded native or Perl backdoors launched from PHP.

rule php_reverse_shell_socket
{
    meta:
        id = "ferret.php.reverse_shell_socket"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Opens a network socket and attaches a system shell (/bin/sh, cmd.exe) to it: PHP reverse or bind shell"
    strings:
        $sock = /(fsockopen|pfsockopen|stream_socket_client|stream_socket_server|socket_create|socket_connect)\s*\(/ nocase
        $sh1 = /["'](\/bin\/(ba)?sh|sh|bash|cmd(\.exe)?)(\s+-i)?["']/ nocase
        $sh2 = /(\/bin\/(ba)?sh|cmd\.exe)\s+-i/ nocase
        $run = /(proc_open|popen|shell_exec|system|passthru|exec)\s*\(/ nocase
        $pipe = /(descriptorspec|array\s*\(\s*['"]pipe['"]|stream_select|socket_select|socket_accept)/ nocase
    condition:
        $sock and ($sh1 or $sh2) and $run and $pipe
}

rule php_stager_socket_eval
{
    meta:
        id = "ferret.php.stager_socket_eval"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Reads code from a network socket and evals it (Meterpreter-style PHP stager)"
    strings:
        $sock = /(fsockopen|stream_socket_client|socket_create|socket_connect)\s*\(/ nocase
        $read = /(fread|fgets|socket_read|stream_get_contents)\s*\(/ nocase
        $ev = /(^|[^\w>$:\\])(eval|assert)\s*\(\s*@?\s*\$/ nocase
    condition:
        filesize < 10KB and $sock and $read and $ev
}

rule php_embedded_backdoor_source
{
    meta:
        id = "ferret.php.embedded_backdoor_source"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "PHP that carries Perl/C/Python back-connect or bind-shell source (socket + /bin/sh + dup2/open STDIN) to drop and run"
    strings:
        $perl1 = "use Socket" nocase
        $perl2 = /open\s*\(\s*STDIN\s*,\s*["']>&/ nocase
        $perl3 = /socket\s*\(\s*S(ERVER)?\s*,\s*PF_INET/ nocase
        $c1 = "#include <sys/socket.h>"
        $c2 = /dup2\s*\(\s*\w{1,20}\s*,\s*[012]\s*\)/
        $c3 = /execl\s*\(\s*["']\/bin\/(ba)?sh/
        $py = /pty\.spawn|subprocess\.call\s*\(\s*\[\s*["']\/bin\/(ba)?sh/
        $drop = /(fwrite|fputs|file_put_contents)\s*\(/ nocase
        $run = /(system|passthru|shell_exec|exec|popen|proc_open)\s*\(/ nocase
    condition:
        $drop and $run and (2 of ($perl*) or 2 of ($c*) or $py)
}

rule php_embedded_executable
{
    meta:
        id = "ferret.php.embedded_executable"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Base64-encoded Windows PE or Linux ELF executable inside PHP (a tool or backdoor to drop on the server)"
    strings:
        $pe1 = "TVqQAAMAAAAEAAAA"
        $pe2 = "TVpQAAIAAAAEAA8A"
        $pe3 = "TVoAAAAAAAAAAAAA"
        $pe4 = "TVqAAAEAAAAEABAA"
        $elf1 = "f0VMRgEBAQ"
        $elf2 = "f0VMRgIBAQ"
        $hexelf = /\\x7f\\x45\\x4c\\x46/ nocase
    condition:
        any of them
}

rule php_dev_tcp_shell
{
    meta:
        id = "ferret.php.dev_tcp_shell"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Bash /dev/tcp or netcat -e reverse shell command line built inside PHP"
    strings:
        $a = /\/dev\/tcp\/[^'"\s]{0,40}/
        $b = /\bnc(at)?\s+(-\w+\s+)*-e\s+\/bin\/(ba)?sh/
        $c = /(bash|sh)\s+-i\s*>&\s*\/dev\/tcp/
        $d = /\/bin\/(ba)?sh\s+-i\s*<&\s*\d\s*>&\s*\d/
        $e = /mknod\s+\S{1,20}\s+p\b[^;'"]{0,20}(&&|;)\s*(telnet|nc)\s/
        $php = /<\?(php|=|\s)/ nocase
        $run = /(system|passthru|shell_exec|exec|popen|proc_open)\s*\(/ nocase
    condition:
        $php and $run and any of ($a, $b, $c, $d, $e)
}

rule php_servu_site_exec
{
    meta:
        id = "ferret.php.servu_site_exec"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Talks to a local Serv-U FTP admin port over a socket (SITE MAINTENANCE, -SETUSERSETUP, SITE EXEC) to create a privileged FTP user or run commands as SYSTEM: Serv-U privilege escalation from PHP"
    strings:
        $s1 = "SITE MAINTENANCE" nocase
        $s2 = "-SETUSERSETUP" nocase
        $s3 = "-DELETEUSER" nocase
        $s4 = /SITE\s+EXEC\s/ nocase
        $sock = /(fsockopen|socket_connect|stream_socket_client)\s*\(/ nocase
    condition:
        $sock and 2 of ($s*)
}

rule php_socket_command_loop
{
    meta:
        id = "ferret.php.socket_command_loop"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Reads commands from a network socket and writes their shell output back to it (fputs($sock, shell_exec($cmd))): a reverse or bind shell implemented in PHP without attaching /bin/sh"
    strings:
        $sock = /(fsockopen|pfsockopen|stream_socket_client|stream_socket_server|socket_create|socket_accept)\s*\(/ nocase
        $read = /\$\w{1,30}\s*=\s*(trim\s*\(\s*)?(fgets|fread|socket_read|stream_get_line)\s*\(\s*\$\w{1,30}/ nocase
        $back = /(fputs|fwrite|socket_write)\s*\(\s*\$\w{1,30}\s*,[^;]{0,40}(shell_exec|system|passthru|exec|`)\s*\(?\s*\$\w{1,30}/ nocase
    condition:
        $sock and $read and $back
}
