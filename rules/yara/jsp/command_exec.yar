// JSP / JSPX / servlet command execution driven by the HTTP request.

rule jsp_request_exec_inline
{
    meta:
        id          = "ferret.jsp.request_exec_inline"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "A request parameter or header is passed directly into Runtime.exec / ProcessBuilder in the same statement"
    strings:
        $a = /getRuntime\s*\(\s*\)\s*\.\s*exec\s*\([^;]{0,160}(\.getParameter|request\.getHeader|\.getQueryString)\s*\(/
        $b = /new\s+(java\.lang\.)?ProcessBuilder\s*\([^;]{0,160}(\.getParameter|request\.getHeader|\.getQueryString)\s*\(/
        $c = /ProcessBuilder\s*\(\s*\)\s*\.\s*command\s*\([^;]{0,160}(\.getParameter|request\.getHeader)\s*\(/
    condition:
        any of them
}

rule jsp_request_exec
{
    meta:
        id          = "ferret.jsp.request_exec"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP or servlet code that reads the HTTP request and runs an operating-system command built from a variable (Runtime.exec / ProcessBuilder)"
    strings:
        $r1 = /\b(request|req|getRequest\s*\(\s*\))\s*\.\s*getParameter(Values|Map)?\s*\(/
        $r2 = /\b(request|req|getRequest\s*\(\s*\))\s*\.\s*get(Header|InputStream|Reader|QueryString)\s*\(/
        $e1 = /getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(\s*([A-Za-z_(]|"[^"\n]{0,40}"\s*\+|new\s+String\s*\[\s*\]\s*\{[^}]{0,120}[A-Za-z_)]\s*\})/
        $e2 = /new\s+(java\.lang\.)?ProcessBuilder\s*\(\s*([A-Za-z_(]|"[^"\n]{0,40}"\s*\+|new\s+String\s*\[\s*\]\s*\{[^}]{0,120}[A-Za-z_)]\s*\})/
        $e3 = /ProcessBuilder\s*\(\s*\)\s*\.\s*command\s*\(\s*[A-Za-z_(]/
        $e4 = /\.\s*exec\s*\(\s*(new\s+String\s*\[\s*\]\s*)?\{\s*"(cmd|cmd\.exe|\/bin\/sh|\/bin\/bash|sh|bash)"\s*,\s*"[\/-][cC]"\s*,\s*[A-Za-z_(]/
        $e5 = /Process\s+\w{1,30}\s*=\s*(\(\s*Process\s*\)\s*)?\w{1,30}\s*\.\s*exec\s*\(\s*[A-Za-z_(]/
        $xrt = /Runtime\s+\w{1,30}\s*=\s*Runtime\s*\.\s*getRuntime\s*\(\s*\)/
        $e6 = /\b\w{1,30}\s*\.\s*exec\s*\(\s*[A-Za-z_]\w{0,30}\s*\)/
        // UTF-16LE pages
        $wr = "request.getParameter" wide
        $we1 = "getRuntime().exec(" wide
        $we2 = ".exec(cmd" wide
        $we3 = "ProcessBuilder(" wide
    condition:
        (any of ($r*) and (any of ($e1, $e2, $e3, $e4, $e5) or ($xrt and $e6))) or ($wr and any of ($we*))
}

rule jsp_shell_interpreter_concat
{
    meta:
        id          = "ferret.jsp.shell_interpreter_concat"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "JSP code builds a command line for cmd.exe /c or /bin/sh -c from a variable, typical of command web shells"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $ctx3 = "HttpServletRequest"
        $s1 = /"cmd(\.exe)?\s+\/[cCkK]\s*"\s*\+\s*[A-Za-z_(]/
        $s2 = /"\/bin\/(ba)?sh"\s*,\s*"-c"\s*,\s*[A-Za-z_(]/
        $s3 = /"cmd(\.exe)?"\s*,\s*"\/[cC]"\s*,\s*[A-Za-z_(]/
        $s4 = /"\/bin\/(ba)?sh\s+-c\s*"\s*\+\s*[A-Za-z_(]/
    condition:
        any of ($ctx*) and any of ($s*)
}

rule jsp_exec_sink
{
    meta:
        id          = "ferret.jsp.exec_sink"
        technique   = "T1505.003"
        severity    = "low"
        score       = 20
        description = "A JSP page starts operating-system processes (Runtime.exec or ProcessBuilder); weak alone"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $ctx3 = "jsp:declaration"
        $e1 = /getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(/
        $e2 = /ProcessBuilder\s*\(/
    condition:
        any of ($ctx*) and any of ($e*)
}

rule jsp_interactive_shell_process
{
    meta:
        id          = "ferret.jsp.interactive_shell_process"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page starts a bare command interpreter (cmd, sh, bash, powershell) and feeds it through the process's stdin: an interactive web shell"
    strings:
        $r1 = /\b(request|req|getRequest\s*\(\s*\))\s*\.\s*getParameter\s*\(/
        $r2 = /\b(request|req)\s*\.\s*get(Header|InputStream|Reader)\s*\(/
        $i1 = /\.\s*exec\s*\(\s*"(cmd|cmd\.exe|\/bin\/sh|\/bin\/bash|sh|bash|powershell|powershell\.exe)"\s*\)/
        $i2 = /ProcessBuilder\s*\(\s*"(cmd|cmd\.exe|\/bin\/sh|\/bin\/bash|sh|bash|powershell|powershell\.exe)"\s*\)/
        $o = /\.\s*getOutputStream\s*\(\s*\)/
    condition:
        any of ($r*) and any of ($i*) and $o
}
