// Shell reverse/bind shells and set-uid shell droppers (also found embedded in
// Perl, Python and PHP droppers).

rule shell_dev_tcp_reverse_shell
{
    meta:
        id          = "ferret.shell.dev_tcp_reverse_shell"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Bash reverse shell through /dev/tcp or /dev/udp: an interactive shell whose stdin/stdout are redirected to a network connection"

    strings:
        $a1 = /\b(ba|z|k)?sh\s+-i\s*[<>&0-9\s]{0,8}[<>]&?\s*\/dev\/(tcp|udp)\/[^\s\/]{1,80}\/[0-9$]/
        $a2 = /\/dev\/(tcp|udp)\/[^\s\/]{1,80}\/[0-9$][^\r\n]{0,60}0\s*>\s*&\s*1/
        $a3 = /\bexec\s+\d+\s*<>\s*\/dev\/(tcp|udp)\/[^\r\n]{0,200}\b(ba|z|k)?sh\b[^\r\n]{0,20}<&\s*\d+/
        $a4 = /\/dev\/(tcp|udp)\/[^\s\/]{1,80}\/[0-9$][^\r\n]{0,40}\|\s*(\/bin\/)?(ba)?sh\b/

    condition:
        any of them
}

rule shell_netcat_fifo_shell
{
    meta:
        id          = "ferret.shell.netcat_fifo_shell"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Netcat/telnet/socat shell: a shell bound to a network connection (nc -e /bin/sh, mkfifo pipe loop through nc, telnet|sh|telnet, socat exec:sh)"

    strings:
        $nc_e   = /\b(nc|ncat|netcat|nc\.traditional)\s+[^\r\n|;]{0,60}-[a-z]*[ec]\s+["']?(\/bin\/)?(ba|z|k)?sh\b/
        $fifo   = /\bmkfifo\s+[^\r\n]{0,120}(\/bin\/)?(ba|z|k)?sh\s+-i[^\r\n]{0,60}\|\s*(nc|ncat|netcat|telnet|openssl\s+s_client)\b/
        $fifo2  = /\bmknod\s+[^\r\n]{1,60}\sp\b[^\r\n]{0,120}(\/bin\/)?(ba)?sh\b[^\r\n]{0,60}\|\s*(nc|ncat|netcat|telnet)\b/
        $fifo3  = /\b(nc|ncat|netcat)\s+[^\r\n|;]{1,60}<\s*\/tmp\/\w+\s*\|\s*(\/bin\/)?(ba)?sh\b/
        $telnet = /\btelnet\s+[^\r\n|;]{1,60}\|\s*(\/bin\/)?(ba)?sh\b[^\r\n|]{0,20}\|\s*telnet\b/
        $socat  = /\bsocat\s+[^\r\n]{0,80}\bexec:["']?(\/bin\/)?(ba)?sh\b/ nocase

    condition:
        any of them
}

rule shell_interactive_shell_on_fd
{
    meta:
        id          = "ferret.shell.interactive_shell_on_fd"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Command line that starts an interactive shell with stdin/stdout/stderr redirected to a numbered descriptor (a socket handed over by a Perl/Python/PHP back-connect)"

    strings:
        $a = /(\/bin\/)?(ba|z|k)?sh\s+-i\s*<&\s*["'+\s]{0,6}(\d+|[$(]|str\s*\()/
        $b = /PS1=[^\r\n]{0,40}\/bin\/(ba)?sh\s+-i/

    condition:
        any of them
}

rule shell_suid_rootshell_dropper
{
    meta:
        id          = "ferret.shell.suid_rootshell_dropper"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Script that writes and compiles a tiny C program doing setuid(0)+exec(\"/bin/sh\") and marks it set-uid: a root shell backdoor/privilege-escalation dropper"

    strings:
        $c1  = /setuid\s*\(\s*0\s*\)/
        $c2  = /exec[lv]p?\s*\(\s*\\?["']\/bin\/(ba)?sh\\?["']/
        $cc  = /\b(gcc|cc)\s+(-[\w=.-]+\s+)*-o\s+\S+/
        $su1 = /chmod\s+(\+s|[ug]\+s|[4-7][0-7]{3})\s/
        $su2 = /chmod\s*\(\s*["']?\S+["']?\s*,\s*0?[4-7][0-7]{3}\s*\)/

    condition:
        $c1 and $c2 and $cc and any of ($su*)
}
