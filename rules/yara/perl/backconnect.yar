// Perl back-connect / bind shells: a TCP socket whose handle is duplicated onto
// STDIN/STDOUT before a shell is started.

rule perl_socket_stdio_shell
{
    meta:
        id          = "ferret.perl.socket_stdio_shell"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Perl back-connect or bind shell: duplicates a socket onto STDIN/STDOUT (open(STDIN, \">&SOCKET\")) and starts a shell"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/
        $pl_cli     = /\bperl\s+(-\w+\s+)*-e\s/
        // a socket handle dup'ed onto STDIN/STDOUT, then a shell started right after
        $dup1 = /\bopen\s*\(?\s*\*?STD(IN|OUT|ERR)\s*,\s*["']\s*[<>]\s*&\s*=?\s*[A-Za-z_$][\w:]*\s*["']\s*\)?[^\x00]{0,300}\b(exec|system)\s*\(?\s*(["'][^"'\r\n]{0,60}(\/bin\/(ba|z|k|c|tc)?sh\b|cmd\.exe|%COMSPEC%)|\$\w+)/
        $dup2 = /\bopen\s*\(?\s*\*?STD(IN|OUT)\s*,\s*["']\s*[<>]\s*&\s*=?\s*["']\s*\.\s*fileno[^\x00]{0,300}\b(exec|system)\s*\(?\s*(["'][^"'\r\n]{0,60}(\/bin\/(ba|z|k|c|tc)?sh\b|cmd\.exe)|\$\w+)/
        $dup3 = /\bPOSIX::dup2\s*\(\s*fileno[^\x00]{0,300}\b(exec|system)\s*\(?\s*(["'][^"'\r\n]{0,60}\/bin\/(ba|z|k|c|tc)?sh\b|\$\w+)/
        $dup4 = /\bSTD(IN|OUT)\s*->\s*fdopen\s*\(\s*\$\w+[^\x00]{0,200}(\bsystem\s*\$_\s+while\s*<\s*>|\/bin\/(ba)?sh\b|\bexec\s*\(?\s*\$\w+)/

        $net1 = /\bsocket\s*\(\s*\*?\w+\s*,\s*&?(PF_INET|AF_INET|2)\b/
        $net2 = /\bIO::Socket::INET(6)?\s*->\s*new\b/
        $net3 = /\b(connect|accept)\s*\(\s*\*?\w+\s*,/
        $net4 = /\bnew\s+IO::Socket::INET6?\b/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my, $pl_cli)) and
        any of ($dup*) and any of ($net*)
}

rule perl_socket_command_loop
{
    meta:
        id          = "ferret.perl.socket_command_loop"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Perl network backdoor: reads lines from a TCP socket and runs them as shell commands, sending the output back"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/
        $pl_cli     = /\bperl\s+(-\w+\s+)*-e\s/
        $net1 = /\bIO::Socket::INET(6)?\s*->\s*new\b/
        $net2 = /\bsocket\s*\(\s*\*?\w+\s*,\s*&?(PF_INET|AF_INET)\b/
        $rd   = /\bwhile\s*\(\s*(my\s+)?\$\w+\s*=\s*<\s*\$?\w+\s*>\s*\)/
        $ex1  = /`\s*\$\w+\s*`/
        $ex2  = /\bqx\s*[({\/]\s*\$\w+\s*[)}\/]/
        $ex3  = /\bopen\s*\(?\s*\w+\s*,\s*["']\s*\$\w+\s*(2>&1\s*)?\|\s*["']/
        $sh   = /\/bin\/(ba)?sh\b/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my, $pl_cli)) and
        any of ($net*) and $rd and any of ($ex*) and $sh
}
