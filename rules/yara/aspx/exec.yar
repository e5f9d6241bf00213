// ASP.NET: operating-system command execution from a page, handler or web service.

rule aspx_process_shell
{
    meta:
        id          = "ferret.aspx.process_shell"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ASP.NET code starts cmd.exe/powershell.exe through Process/ProcessStartInfo with caller-supplied arguments and captures its output (command web shell)"

    strings:
        $psi    = /ProcessStartInfo|\.StartInfo\b|new[ \t]+(System\.Diagnostics\.)?Process[ \t]*\(/ nocase
        $interp = /"(c:\\\\windows\\\\system32\\\\)?(cmd|cmd\.exe|powershell|powershell\.exe)"/ nocase
        $interp2 = /cmd(\.exe)?"?[ \t]*\)?[ \t]*\.?[ \t]*[<"]?[ \t]*[^\r\n]{0,30}"?\/c[ \t]*"?[ \t]*[+&]/ nocase
        $interp3 = /Environ[ \t]*\([ \t]*"comspec"|GetEnvironmentVariable[ \t]*\([ \t]*"comspec"/ nocase
        $args   = /\.Arguments[ \t]*=[ \t]*([a-z_]|[^;\r\n]{1,80}[+&][ \t]*[a-z_])/ nocase
        $stdin  = /\.StandardInput\.WriteLine[ \t]*\([ \t]*[a-z_]/ nocase
        $out    = /RedirectStandardOutput[ \t]*=[ \t]*true|StandardOutput\.ReadToEnd/ nocase

    condition:
        $psi and ($interp or $interp2 or $interp3) and ($args or $stdin) and $out
}

rule aspx_process_user_program
{
    meta:
        id          = "ferret.aspx.process_user_program"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ASP.NET code runs a program whose path and arguments both come from the request or a form field, and returns its output"

    strings:
        $psi1  = /new[ \t]+ProcessStartInfo[ \t]*\([ \t]*[a-z_][\w.]{0,40}\.(text|value)[ \t]*\)/ nocase
        $psi2  = /\.FileName[ \t]*=[ \t]*([a-z_]\w{0,30}\.(text|value)|(context\.)?request[ \t]*[\[(.])/ nocase
        $psi3  = /new[ \t]+ProcessStartInfo[ \t]*\([ \t]*(context\.)?request[ \t]*[\[(.]/ nocase
        $args  = /\.Arguments[ \t]*=[ \t]*([a-z_]\w{0,30}\.(text|value)|(context\.)?request[ \t]*[\[(.])/ nocase
        $out   = /RedirectStandardOutput[ \t]*=[ \t]*true|StandardOutput\.ReadToEnd/ nocase

    condition:
        any of ($psi*) and $args and $out
}

rule aspx_process_request
{
    meta:
        id          = "ferret.aspx.process_request"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "ASP.NET code feeds request data to Process.Start / a process's standard input"

    strings:
        $start = /Process\.Start[ \t]*\([ \t]*(context\.)?request[ \t]*[\[(.]/ nocase
        $stdin = /\.StandardInput\.WriteLine[ \t]*\([ \t]*(context\.)?request[ \t]*[\[(.]/ nocase
        $var   = /[a-z_]\w{0,30}[ \t]*=[ \t]*(context\.)?request[ \t]*(\.(form|querystring|params|item))?[ \t]*[\[(]/ nocase
        $psi   = /ProcessStartInfo|\.StartInfo\.FileName/ nocase
        $io    = /RedirectStandard(Output|Input)[ \t]*=[ \t]*true/ nocase

    condition:
        $start or $stdin or ($var and $psi and $io and filesize < 4KB)
}

rule aspx_wscript_shell
{
    meta:
        id          = "ferret.aspx.wscript_shell"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "ASP.NET / JScript.NET code drives the WScript.Shell COM object to run commands (cmd /c) from a web page"

    strings:
        $wsh  = /(ActiveXObject|CreateObject|GetTypeFromProgID|CreateComObject)[ \t]*\([ \t]*(""|"|')?wscript\.shell/ nocase
        $run  = /\.(exec|run)[ \t]*\([ \t]*(""|")?cmd(\.exe)?[ \t]+\/c/ nocase
        $run2 = /\.(exec|run)[ \t]*\([ \t]*[a-z_]\w{0,30}[ \t]*[,)]/ nocase
        $out  = /\.stdout\.readall/ nocase

    condition:
        $wsh and ($run or ($run2 and $out))
}

rule aspx_jscript_eval_unsafe
{
    meta:
        id          = "ferret.aspx.jscript_eval_unsafe"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "JScript.NET eval(..., \"unsafe\") of request data: the China Chopper ASP.NET one-liner"
        family      = "China Chopper"

    strings:
        $e1 = /eval[ \t\r\n]*\([ \t]*(context\.)?request[ \t]*(\.(item|form|querystring))?[ \t]*[\[(][^)]{1,60}[)\]][ \t]*,[ \t]*["']unsafe["']/ nocase
        $e2 = /eval[ \t\r\n]*\([ \t]*[a-z_][\w.]{0,40}[ \t]*(\[[^\]]{1,40}\])?[ \t]*,[ \t]*["']unsafe["'][ \t]*\)/ nocase

    condition:
        any of them
}

rule aspx_jscript_eval_obfuscated
{
    meta:
        id          = "ferret.aspx.jscript_eval_obfuscated"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Server-side JScript page calling eval with a second argument assembled from fragments (hidden \"unsafe\" flag of the China Chopper one-liner)"
        family      = "China Chopper"

    strings:
        $lang1 = /language[ \t]*=[ \t]*"?jscript/ nocase
        $lang2 = /runat[ \t]*=[ \t]*"?server"?[^>]{0,40}language[ \t]*=[ \t]*"?(jscript|javascript)/ nocase
        $lang3 = /language[ \t]*=[ \t]*"?(jscript|javascript)"?[^>]{0,40}runat[ \t]*=[ \t]*"?server/ nocase
        $u1 = /"u"[ \t]*\+[ \t]*"n"/ nocase
        $u2 = /"ns"[ \t]*\+/
        $u3 = "\\x75\\x6E\\x73\\x61" nocase
        $u4 = /"afe"/
        $ev = /eval[ \t\r\n]*\([^,;]{1,80},/
        $ev2 = /:[ \t]*eval[ \t]*[},]/

    condition:
        any of ($lang*) and ($ev or $ev2) and any of ($u*)
}

rule aspx_jscript_eval_request
{
    meta:
        id          = "ferret.aspx.jscript_eval_request"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Server-side JScript evaluates code taken from the request through an aliased or indirect eval"

    strings:
        $lang1 = /language[ \t]*=[ \t]*"?(jscript|javascript)/ nocase
        $srv   = /runat[ \t]*=[ \t]*"?server/ nocase
        $srv2  = "<%@" nocase
        $req   = /String[ \t]*\([ \t]*Request[ \t]*(\.(form|querystring|item))?[ \t]*\(/
        $alias = /[{,][ \t]*['"]?\w{1,10}['"]?[ \t]*:[ \t]*eval[ \t]*[},]/
        $alias2 = /var[ \t]+\w{1,20}[ \t]*=[ \t]*eval[ \t]*;/

    condition:
        $lang1 and ($srv or $srv2) and $req and ($alias or $alias2)
}

rule aspx_xslt_script_exec
{
    meta:
        id          = "ferret.aspx.xslt_script_exec"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Page runs an XSLT stylesheet with an embedded msxsl:script that evaluates request data or starts a shell (XSLT-hosted web shell)"

    strings:
        $xs   = "msxsl:script" nocase
        $bad1 = /eval[ \t]*\([ \t]*(\w{1,10}\.)?Request/ nocase
        $bad2 = /wscript\.shell/ nocase
        $bad3 = /Process\.Start|ProcessStartInfo/ nocase
        $run  = /TransformNode|XslCompiledTransform|XslTransform/ nocase
        $en   = /TrustedXslt|EnableScript[ \t]*=[ \t]*true|new[ \t]+XsltSettings[ \t]*\([ \t]*\w+[ \t]*,[ \t]*true/ nocase

    condition:
        $xs and $run and any of ($bad*) and ($en or $bad2)
}
