// Python web shells: CGI scripts and web-framework handlers that run request data
// as a shell command or as Python code.

rule python_cgi_request_exec
{
    meta:
        id          = "ferret.python.cgi_request_exec"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Python CGI script that reads form data (cgi.FieldStorage, QUERY_STRING or the POST body) and runs a command built from a variable (os.system/os.popen*/subprocess with shell=True/commands)"

    strings:
        $py1 = /(^|\n)[ \t]*import[ \t]+[\w., \t]+/
        $py2 = /(^|\n)[ \t]*from[ \t]+[\w.]+[ \t]+import\b/

        $src1 = /\bcgi\.FieldStorage\s*\(/
        $src2 = /\bos\.(environ\s*(\[|\.get\s*\()|getenv\s*\()\s*['"]QUERY_STRING['"]/
        $src3 = /\bsys\.stdin\.read\s*\(\s*int\s*\(\s*os\.environ/
        $src4 = /\bFieldStorage\s*\(\s*\)/

        $sink1 = /\bos\.(system|popen[234]?)\s*\(\s*[A-Za-z_][\w.\[\]'"]*\s*[,)+%]/
        $sink2 = /\bsubprocess\.(Popen|call|check_call|check_output|run)\s*\([^)\r\n]{0,120}shell\s*=\s*True/
        $sink3 = /\bsubprocess\.getoutput\s*\(\s*[A-Za-z_]/
        $sink4 = /\bcommands\.(getoutput|getstatusoutput)\s*\(\s*[A-Za-z_]/
        $sink5 = /\bos\.exec[lv]p?e?\s*\(\s*["']\/bin\/(ba)?sh["']/

    condition:
        not uint16(0) == 0x3f3c and any of ($py*) and
        any of ($src*) and any of ($sink*)
}

rule python_web_request_exec
{
    meta:
        id          = "ferret.python.web_request_exec"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Python web handler (Flask, Django, aiohttp, Bottle, Tornado...) that passes a request parameter straight to os.system/os.popen/subprocess/eval/exec"

    strings:
        $py1 = /(^|\n)[ \t]*import[ \t]+[\w., \t]+/
        $py2 = /(^|\n)[ \t]*from[ \t]+[\w.]+[ \t]+import\b/

        $req = /\b(request|req|self\.request)\s*\.\s*(args|form|values|GET|POST|query|rel_url\.query|params|json|data|get_json\s*\(\s*\)|forms|query_params)\b/
        $direct1 = /(\bos\.system|\bos\.popen[234]?|\bsubprocess\.(Popen|call|check_call|check_output|run|getoutput|getstatusoutput)|\bcommands\.getoutput|[^.\w](eval|exec))\s*\(\s*(request|req|self\.request)\s*\.\s*(args|form|values|GET|POST|query|rel_url\.query|params|json|data|forms|query_params)\b/
        $direct2 = /(\bos\.system|\bos\.popen[234]?|\bsubprocess\.(Popen|call|check_call|check_output|run|getoutput|getstatusoutput)|[^.\w](eval|exec))\s*\(\s*(self\.)?get_(query_)?argument\s*\(/

    condition:
        not uint16(0) == 0x3f3c and any of ($py*) and
        $req and any of ($direct*)
}

rule python_web_param_to_shell
{
    meta:
        id          = "ferret.python.web_param_to_shell"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Python web handler that reads a command-like request parameter (cmd/command/exec/shell) and runs a shell command or Python code from a variable"

    strings:
        $py1 = /(^|\n)[ \t]*import[ \t]+[\w., \t]+/
        $py2 = /(^|\n)[ \t]*from[ \t]+[\w.]+[ \t]+import\b/

        $rq1 = /\b(request|req|self\.request)\s*\.\s*(args|form|values|GET|POST|query|rel_url\.query|params|json|forms|query_params)\s*(\.get\s*\(|\[)\s*['"](cmd|command|exec|execute|shell|run|c|code|payload)['"]/
        $rq2 = /\bget_(query_)?argument\s*\(\s*['"](cmd|command|exec|execute|shell|run|c|code)['"]/
        $rq3 = /\bgetvalue\s*\(\s*['"](cmd|command|exec|execute|shell|run|c|code)['"]/

        $s1 = /\bos\.(system|popen[234]?)\s*\(\s*[A-Za-z_]\w*\s*[,)+%]/
        $s2 = /\bsubprocess\.(Popen|call|check_call|check_output|run)\s*\(\s*[A-Za-z_]\w*\s*,[^)\r\n]{0,120}shell\s*=\s*True/
        $s3 = /\bsubprocess\.(getoutput|getstatusoutput)\s*\(\s*[A-Za-z_]/
        $s4 = /(\n[ \t]*|=[ \t]*|return[ \t]+|print[ \t]*\(?[ \t]*)(eval|exec)[ \t]*\([ \t]*[A-Za-z_]\w*[ \t]*[,)]/
        $s5 = /\basyncio\.create_subprocess_shell\s*\(\s*[A-Za-z_]/

    condition:
        not uint16(0) == 0x3f3c and any of ($py*) and
        any of ($rq*) and any of ($s*)
}

rule python_antsword_cgi
{
    meta:
        id          = "ferret.python.antsword_cgi"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "AntSword-style Python CGI agent: password field plus encoded z0..z3 arguments dispatching file, directory and command operations, output wrapped in ->| |<- markers"
        family      = "AntSword"

    strings:
        $py1 = /(^|\n)[ \t]*import[ \t]+[\w., \t]+/
        $m1  = /["']->["']\s*\+\s*["']\|["']/
        $m2  = /["']\|["']\s*\+\s*["']<-["']/
        $m3  = "\"->|\""
        $m4  = "\"|<-\""
        $z   = /\bgetvalue\s*\(\s*["']z[0-9]["']/
        $fs  = /\bcgi\.FieldStorage\s*\(/

    condition:
        not uint16(0) == 0x3f3c and $py1 and $fs and
        (($m1 and $m2) or ($m3 and $m4)) and $z
}
