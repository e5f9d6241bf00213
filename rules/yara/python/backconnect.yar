// Python reverse/bind shells and socket command backdoors.

rule python_socket_dup2_shell
{
    meta:
        id          = "ferret.python.socket_dup2_shell"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Python reverse or bind shell: duplicates a socket onto stdin/stdout/stderr (os.dup2 of fileno) and spawns a shell or pty"

    strings:
        $sock = /\bsocket\s*\.\s*socket\s*\(/
        $sock2 = /\bsocket\s*\(\s*(socket\.)?AF_INET/
        $dup  = /\bos\.dup2\s*\(\s*[\w.]+\s*\.\s*fileno\s*\(\s*\)\s*,\s*\w+\s*\)/
        $sh1  = /\bpty\.spawn\s*\(/
        $sh2  = /["']\/bin\/(ba|z|k)?sh["']/
        $sh3  = /\bsubprocess\.(call|Popen|run)\s*\(\s*\[\s*["'](\/bin\/)?(ba|z|k)?sh["']/
        $sh4  = /["']cmd(\.exe)?["']/

    condition:
        not uint16(0) == 0x3f3c and
        any of ($sock*) and $dup and any of ($sh*)
}

rule python_socket_fileno_shell
{
    meta:
        id          = "ferret.python.socket_fileno_shell"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Python back-connect that hands a socket to a shell: subprocess/Popen with stdin/stdout bound to the socket, or sh -i redirected to the socket's file descriptor"

    strings:
        $sock = /\bsocket\s*\.\s*socket\s*\(/
        $sock2 = /\bsocket\s*\(\s*(socket\.)?AF_INET/
        $p1 = /\bstd(in|out)\s*=\s*[\w.]+\.fileno\s*\(\s*\)/
        $p2 = /(ba|z|k)?sh\s+-i\s*<&\s*["']\s*\+\s*str\s*\(/
        $p3 = /[<>]&\s*["']\s*\+\s*str\s*\(\s*[\w.]+(\.fileno\s*\(\s*\))?\s*\)/
        $sh = /(\/bin\/)?(ba|z|k)?sh\b/

    condition:
        not uint16(0) == 0x3f3c and
        any of ($sock*) and any of ($p*) and $sh
}

rule python_socket_command_loop
{
    meta:
        id          = "ferret.python.socket_command_loop"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Python network backdoor: receives commands on a TCP socket (connect-back or listening), runs them through a shell and sends the output back"

    strings:
        $sock  = /\bsocket\s*\.\s*socket\s*\(\s*(socket\.)?AF_INET6?\s*,\s*(socket\.)?SOCK_STREAM/
        $conn  = /\.\s*(connect|bind)\s*\(\s*\(/
        $recv  = /\.\s*recv\s*\(/
        $send  = /\.\s*(send|sendall)\s*\(/
        $pop   = /\bos\.popen[234]?\s*\(\s*[A-Za-z_][\w.]*\s*[+,)%]/
        $ex2   = /\bsubprocess\.(Popen|call|check_output|run|getoutput)\s*\(\s*[A-Za-z_]\w*\s*[,)]/
        $ex3   = /\bos\.system\s*\(\s*[A-Za-z_]\w*\s*\)/
        $ex4   = /\bcommands\.getoutput\s*\(\s*[A-Za-z_]/
        $shell = /shell\s*=\s*True/
        $bin   = /["'](\/bin\/)?(ba|z|k)?sh( -c| -i)?["' ]/
        $cmdx  = /["']cmd(\.exe)?( \/c)?["' ]/

    condition:
        not uint16(0) == 0x3f3c and
        $sock and $conn and $recv and $send and ($pop or any of ($ex*)) and
        ($shell or $bin or $cmdx or $pop)
}
