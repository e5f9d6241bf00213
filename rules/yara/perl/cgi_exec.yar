// Perl CGI web shells: request data (CGI param(), QUERY_STRING, POST body on STDIN)
// reaching a command sink (backticks, qx, system/exec, piped open, open3).

rule perl_cgi_request_to_exec
{
    meta:
        id          = "ferret.perl.cgi_request_exec"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Perl CGI script that reads request data (param(), QUERY_STRING or the POST body) and runs a command held in a command-named variable ($cmd, $command, $FORM{cmd}...) through backticks, qx, system/exec or a piped open"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/

        // request sources
        $src_qs     = /\$ENV\{\s*['"]?QUERY_STRING['"]?\s*\}/
        $src_param  = /\bparam\s*\(\s*['"$]\w+/
        $src_stdin  = /\b(sys)?read\s*\(\s*STDIN\s*,\s*\$\w+\s*,\s*\$ENV\{\s*['"]?CONTENT_LENGTH/
        $src_rm     = /\$ENV\{\s*['"]?REQUEST_METHOD['"]?\s*\}\s*eq\s*['"]POST/

        // the whole command is a command-named variable (optionally after a cd)
        $sink_bt    = /`\s*(cd\s+[^`;&\r\n]{1,60}(;|&&)\s*)?\$(\w*(cmd|Cmd|CMD|command|Command|COMMAND|comm|exec|Exec|shell|Shell)\w*|req|c|x|run|torun|(\w+\{\s*['"]?(\w*cmd\w*|\w*command\w*|c|exec|execute|run|shell)['"]?\s*\}|\w+->\{\s*['"]?(\w*cmd\w*|\w*command\w*)['"]?\s*\}))\s*(2>&1\s*)?`/
        $sink_qx    = /\bqx\s*[({\[\/|!]\s*(cd\s+[^;&\r\n]{1,60}(;|&&)\s*)?\$(\w*(cmd|Cmd|CMD|command|Command|COMMAND|comm|exec|Exec|shell|Shell)\w*|req|c|x|run|torun|(\w+\{\s*['"]?(\w*cmd\w*|\w*command\w*|c|exec|execute|run|shell)['"]?\s*\}|\w+->\{\s*['"]?(\w*cmd\w*|\w*command\w*)['"]?\s*\}))\s*(2>&1\s*)?[)}\]\/|!]/
        $sink_pipe  = /\bopen\s*\(?\s*["']?\$?\w+["']?\s*,\s*["']\s*\(?\s*(cd\s+[^"'|;&\r\n]{1,60}(;|&&)\s*)?\$(\w*(cmd|Cmd|CMD|command|Command|COMMAND|comm|exec|Exec|shell|Shell)\w*|req|c|x|run|torun|(\w+\{\s*['"]?(\w*cmd\w*|\w*command\w*|c|exec|execute|run|shell)['"]?\s*\}|\w+->\{\s*['"]?(\w*cmd\w*|\w*command\w*)['"]?\s*\}))\s*\)?\s*(2>&1\s*)?\|\s*["']/
        $sink_pipe3 = /\bopen\s*\(?\s*(my\s+)?\$?\w+\s*,\s*["']-\|["']\s*,\s*\$(\w*(cmd|Cmd|CMD|command|Command|COMMAND|comm|exec|Exec|shell|Shell)\w*|req|c|x|run|torun|(\w+\{\s*['"]?(\w*cmd\w*|\w*command\w*|c|exec|execute|run|shell)['"]?\s*\}|\w+->\{\s*['"]?(\w*cmd\w*|\w*command\w*)['"]?\s*\}))\s*\)/
        $sink_sys   = /\b(system|exec)\s*\(?\s*\$(\w*(cmd|Cmd|CMD|command|Command|COMMAND|comm|exec|Exec|shell|Shell)\w*|req|c|x|run|torun|(\w+\{\s*['"]?(\w*cmd\w*|\w*command\w*|c|exec|execute|run|shell)['"]?\s*\}|\w+->\{\s*['"]?(\w*cmd\w*|\w*command\w*)['"]?\s*\}))\s*(\)|;|\|\||or\b)/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and
        any of ($src_*) and any of ($sink_*)
}

rule perl_cgi_request_dynamic_exec
{
    meta:
        id          = "ferret.perl.cgi_request_dynamic_exec"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "Perl CGI script that reads request data and also runs commands built from variables (backticks/qx/system/piped open); common in admin CGIs too, weak alone"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/

        $src_qs     = /\$ENV\{\s*['"]?QUERY_STRING['"]?\s*\}/
        $src_param  = /\bparam\s*\(\s*['"$]\w+/
        $src_stdin  = /\b(sys)?read\s*\(\s*STDIN\s*,\s*\$\w+\s*,\s*\$ENV\{\s*['"]?CONTENT_LENGTH/

        $sink_bt    = /`([^`\\\r\n]{0,60}[^`\\\r\n])?\$[A-Za-z_][^`\r\n]{0,80}`\s*(;|\)|,|\.|\r?\n|\}|=~|and\b|or\b|\|\|)/
        $sink_qx    = /\bqx\s*[({\[\/|!][^\r\n]{0,60}\$[A-Za-z_]/
        $sink_pipe  = /\bopen\s*\(?\s*\(?["']?\$?\w+["']?\s*,\s*["'][^"'\r\n]{0,80}\$[A-Za-z_][^"'\r\n]{0,80}\|\s*["']/
        $sink_pipe2 = /\bopen\s*\(?\s*["']?\$?\w+["']?\s*,\s*["']\s*\|\s*[^"'\r\n]{0,40}\$[A-Za-z_]/
        $sink_sys   = /\b(system|exec)\s*\(?\s*\$[A-Za-z_]\w*\s*(\)|;|\|\|)/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and
        any of ($src_*) and any of ($sink_*)
}

rule perl_cgi_request_direct_exec
{
    meta:
        id          = "ferret.perl.cgi_request_direct_exec"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Perl code that puts a request parameter straight into a command: backticks, system/exec or a piped open around QUERY_STRING, param() or a parsed form hash"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/
        $a1 = /`\s*\$ENV\{\s*['"]?QUERY_STRING/
        $a2 = /\b(system|exec)\s*\(?\s*(\$ENV\{\s*['"]?QUERY_STRING|(CGI::|\$\w+->)?param\s*\(\s*['"]\w+['"]\s*\))/
        $a3 = /`[^`\r\n]{0,40}\$(FORM|form|in|param|PARAM|q|Q|query|input|_VAR|args)\{\s*['"]?(cmd|command|c|exec|execute|run|shell)['"]?\s*\}[^`\r\n]{0,40}`/
        $a4 = /\bopen\s*\(?\s*["']?\$?\w+["']?\s*,\s*["'][^"'\r\n]{0,60}\$(FORM|form|in|param|PARAM|q|Q|query|input|_VAR|args)\{\s*['"]?(cmd|command|c|exec|execute|run|shell)['"]?\s*\}[^"'\r\n]{0,40}\|\s*["']/
        $a5 = /\b(system|exec|qx)\s*[\(\{]?\s*\$(FORM|form|in|param|PARAM|q|Q|query|input|_VAR|args)\{\s*['"]?(cmd|command|c|exec|execute|run|shell)['"]?\s*\}/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and any of ($a*)
}

rule perl_cgi_open3_shell
{
    meta:
        id          = "ferret.perl.cgi_open3_shell"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Perl CGI script that starts an interactive /bin/sh with open2/open3 (or a pipe to sh) and feeds it commands taken from a request parameter"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/
        $cgi1 = "use CGI" 
        $cgi2 = /\$ENV\{\s*['"]?(QUERY_STRING|CONTENT_LENGTH|REQUEST_METHOD)/
        $prm  = /\bparam\s*\(\s*['"$]\w+/
        $o3   = /\bopen[23]\s*\([^;]{0,80}["'](\/bin\/)?(ba)?sh( -i)?["']/
        $op   = /\bopen\s*\(?\s*["']?\$?\w+["']?\s*,\s*["']\s*\|\s*\/bin\/(ba)?sh\b/
        $feed = /\bprint\s+\{?\$?\w+\}?\s+["']?\$\w+/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and
        (any of ($cgi*) and $prm or $cgi2) and ($o3 or $op) and $feed
}

rule perl_cgi_command_form
{
    meta:
        id          = "ferret.perl.cgi_command_form"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "Perl script that prints an HTML form with a command input field (cmd/command/execute); weak alone, typical of CGI command shells"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/
        $f1 = /<input[^>\r\n]{0,80}name\s*=\s*\\?["']?(cmd|command|c|exec|execute|run)\\?["']?[\s>\/]/ nocase
        $f2 = /<textarea[^>\r\n]{0,80}name\s*=\s*\\?["']?(cmd|command|code)\\?["']?[\s>\/]/ nocase
        $f3 = /value\s*=\s*\\?["']?(execute|run command|exec|run|Eval)\\?["']?[\s>\/]/ nocase

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and
        ($f1 or $f2) and $f3
}
