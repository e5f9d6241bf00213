// Classic ASP: operating-system command execution and privilege escalation.

rule asp_wscript_shell_command
{
    meta:
        id          = "ferret.asp.wscript_shell_command"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ASP page drives WScript.Shell to run a command interpreter (cmd.exe /c) and/or returns its output"

    strings:
        $wsh   = "wscript.shell" nocase
        $run   = /\.(run|exec)[ \t]*\(?[ \t]*("[^"\r\n]{0,40}cmd(\.exe)?[ \t]*\/c|[a-z_]\w{0,30}[ \t]*[&+)]|[a-z_]\w{0,30}[ \t]*,|[a-z_]\w{0,30}[ \t]*$)/ nocase
        $cmd   = /cmd(\.exe)?"?[ \t]*&?[ \t]*"?[ \t]*\/c\b/ nocase
        $out   = /\.stdout\.readall/ nocase
        $req   = /request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase

    condition:
        $wsh and $run and ($cmd or $out) and ($req or $out)
}

rule asp_wscript_shell_ref
{
    meta:
        id          = "ferret.asp.wscript_shell_ref"
        technique   = "T1505.003"
        severity    = "low"
        score       = 20
        description = "Server-side script creates WScript.Shell / WScript.Network / Shell.Application (OS access from a web page)"

    strings:
        $c1 = /(server\.)?createobject[ \t]*\([ \t]*"wscript\.(shell|network)"/ nocase
        $c2 = /(server\.)?createobject[ \t]*\([ \t]*"shell\.application"/ nocase
        $c3 = /activexobject[ \t]*\([ \t]*["']wscript\.shell["']/ nocase

    condition:
        any of them
}

rule asp_shell_application_exec
{
    meta:
        id          = "ferret.asp.shell_application_exec"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Shell.Application ShellExecute driven from request data (launches programs on the server)"

    strings:
        $sa   = "shell.application" nocase
        $se   = /\.shellexecute[ \t]*\(?/ nocase
        $req  = /request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase

    condition:
        $sa and $se and $req
}

rule asp_sql_xp_cmdshell
{
    meta:
        id          = "ferret.asp.sql_xp_cmdshell"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ASP page sends request data to SQL Server xp_cmdshell / sp_oacreate (OS command execution through the database)"

    strings:
        $xp   = /(xp_cmdshell|sp_oacreate)[^\r\n]{0,80}request/ nocase
        $xp2  = /request[^\r\n]{0,80}(xp_cmdshell|sp_oacreate)/ nocase
        $xp3  = /addextendedproc[^\r\n]{0,30}xp_cmdshell/ nocase
        $conn = /(adodb\.connection|\.execute[ \t]*\(|provider[ \t]*=[ \t]*sqloledb)/ nocase

    condition:
        ($xp or $xp2 or $xp3) and $conn
}

rule asp_servu_privesc
{
    meta:
        id          = "ferret.asp.servu_privesc"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Serv-U local administration abuse (SITE MAINTENANCE / -SETUSERSETUP on the local admin port) to add a system user: privilege-escalation module of ASP web-shell kits"

    strings:
        $m1 = "SITE MAINTENANCE" nocase
        $m2 = "-SETUSERSETUP" nocase
        $m3 = "-Maintenance=System" nocase
        $m4 = "LocalAdministrator" nocase
        $m5 = "43958"

    condition:
        3 of them
}

rule asp_kit_recon
{
    meta:
        id          = "ferret.asp.kit_recon"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "ASP page probes the server the way web-shell kits do (WScript.Network user/computer, registry reads, component checks)"

    strings:
        $n1 = /\.computername/ nocase
        $n2 = /\.username/ nocase
        $n3 = "wscript.network" nocase
        $r1 = /\.regread[ \t]*\(/ nocase
        $r2 = "HKEY_LOCAL_MACHINE\\SYSTEM\\" nocase
        $r3 = "HKLM\\SYSTEM\\CurrentControlSet" nocase
        $t1 = "Terminal Server" nocase

    condition:
        ($n3 and $n1 and $n2) or ($r1 and any of ($r2, $r3, $t1))
}
