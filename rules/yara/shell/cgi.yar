// Shell-script CGI web shells: QUERY_STRING / POST body handled by sh/bash and
// run as a command, used as a path, or written to disk.

rule shell_cgi_query_exec
{
    meta:
        id          = "ferret.shell.cgi_query_exec"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Shell CGI script that runs the query string as a command (eval, sh -c, backticks or $() around QUERY_STRING or a value decoded from it)"

    strings:
        $sh1 = /^#!\s*\S*\/(env\s+)?(ba|da|k|z)?sh\b/
        $sh2 = /\becho\s+["']?Content-[Tt]ype:/
        $sh3 = /\n\s*fi\s*\r?\n/

        $q   = /\$\{?QUERY_STRING\b/
        $d1  = /\beval\s+["']?\$\{?QUERY_STRING\b/
        $d2  = /`\s*["']?\$\{?QUERY_STRING\b/
        $d3  = /\$\(\s*["']?\$\{?QUERY_STRING\b/
        $d6  = /\$\{?QUERY_STRING\b[^\r\n]{0,80}\|\s*(\/bin\/)?(ba|da|z|k)?sh\b/
        $d4  = /\b(ba)?sh\s+-c\s+["']?\$\{?QUERY_STRING\b/
        $d5  = /\n[ \t]*\$\{?QUERY_STRING\}?[ \t]*\r?\n/
        $e1  = /\n[ \t]*eval[ \t]+["']?\$\{?\w+\}?["']?[ \t]*\r?\n/
        $e3  = /\b(ba)?sh[ \t]+-c[ \t]+["']?\$\((echo|printf)\b/
        $e2  = /\b(ba)?sh[ \t]+-c[ \t]+["']?\$\{?\w+\}?["']?[ \t]*(2>&1)?[ \t]*\r?\n/
        $parse = /\$\{?QUERY_STRING\b[^\r\n]{0,80}\|\s*\S{0,20}\b(cut|sed|awk|tr|CUT|SED|AWK|TR)\b/

    condition:
        filesize < 256KB and any of ($sh*) and $q and
        (any of ($d*) or ($parse and any of ($e*)))
}

rule shell_cgi_upload_body
{
    meta:
        id          = "ferret.shell.cgi_upload_body"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Shell CGI uploader: copies CONTENT_LENGTH bytes of the raw POST body (a multipart file upload) from stdin into a file on the server"

    strings:
        $ct  = /\becho\s+["']?Content-[Tt]ype:/
        $mp  = /multipart\/form-data/ nocase
        $dd  = /\bdd\b[^\r\n]{0,60}\b(count|bs)=\$\{?CONTENT_LENGTH\b[^\r\n]{0,60}\bof=/
        $hd  = /\bhead\s+-c\s*["']?\$\{?CONTENT_LENGTH\b[^\r\n]{0,40}>\s*\S+/
        $rd  = /\bread\s+-n\s*["']?\$\{?CONTENT_LENGTH\b/
        $cat = /\bcat\s*>\s*["']?\/?[\w.\/$-]+/

    condition:
        filesize < 256KB and $ct and $mp and ($dd or $hd or ($rd and $cat))
}

rule shell_cgi_query_path
{
    meta:
        id          = "ferret.shell.cgi_query_path"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Shell CGI file browser: lists or prints whatever path is given in the query string (ls/cat $QUERY_STRING)"

    strings:
        $ct = /\becho\s+["']?Content-[Tt]ype:/
        $a1 = /\b(ls|cat|head|tail|find|rm|cp|mv|chmod)\s+(-[a-zA-Z]+\s+)*["']?\$\{?QUERY_STRING\b/
        $a2 = /\b(ls|cat|head|tail|find|rm|cp|mv|chmod)\s+(-[a-zA-Z]+\s+)*["']?\$\{?(PATH_INFO|REQUEST_URI)\b/

    condition:
        filesize < 256KB and $ct and any of ($a*)
}
