// ColdFusion (CFML) web shells: command execution, Java runtime access, request-driven file and
// database access, dynamic evaluation of request data, and the Chopper CFM server.

rule cfm_cfexecute_request
{
    meta:
        id          = "ferret.cfm.cfexecute_request"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "ColdFusion cfexecute runs a program named by, or with arguments from, a form/url variable, or runs a command interpreter with variable arguments"
    strings:
        $a = /<cfexecute\b[^>]{0,300}(name|arguments)\s*=\s*["']?[^"'>]{0,120}#\s*(form|url|cgi|cookie|request)\s*\.\s*\w+/ nocase
        $b = /<cfexecute\b[^>]{0,200}name\s*=\s*["'][^"']{0,60}(cmd(\.exe)?|\/sh|\/bash|powershell(\.exe)?|command\.com)["'][^>]{0,200}arguments\s*=\s*["'][^"']{0,40}#/ nocase
        $c = /\bcfexecute\s*\([^)]{0,300}(form|url)\s*\.\s*\w+/ nocase
        $d = /<cfexecute\b[^>]{0,300}arguments\s*=\s*["']\s*[\/-][cCkK]\s+#/ nocase
    condition:
        $a or $b or $c or $d
}

rule cfm_cfexecute_any
{
    meta:
        id          = "ferret.cfm.cfexecute"
        technique   = "T1505.003"
        severity    = "low"
        score       = 20
        description = "ColdFusion page runs an external program with cfexecute; weak alone"
    strings:
        $a = /<cfexecute\b/ nocase
        $b = /\bcfexecute\s*\(\s*name\s*=/ nocase
    condition:
        any of them
}

rule cfm_java_runtime
{
    meta:
        id          = "ferret.cfm.java_runtime"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ColdFusion page instantiates java.lang.Runtime or ProcessBuilder through createObject('java', ...) to run operating-system commands"
    strings:
        $a = /createObject\s*\(\s*["']java["']\s*,\s*["']java\.lang\.Runtime["']/ nocase
        $b = /new\s+java\s*\(\s*["']java\.lang\.Runtime["']/ nocase
        $c = /<cfobject\b[^>]{0,200}class\s*=\s*["']java\.lang\.Runtime["']/ nocase
        $x = /\.\s*exec\s*\(/ nocase
        $p1 = /createObject\s*\(\s*["']java["']\s*,\s*["']java\.lang\.ProcessBuilder["']/ nocase
        $p2 = /new\s+java\s*\(\s*["']java\.lang\.ProcessBuilder["']/ nocase
    condition:
        (any of ($a, $b, $c) and $x) or any of ($p*)
}

rule cfm_request_file_write
{
    meta:
        id          = "ferret.cfm.request_file_write"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ColdFusion cffile writes, uploads, copies or moves to a path taken from form/url data, or writes form/url content to disk"
    strings:
        $a = /<cffile\b[^>]{0,200}action\s*=\s*["']?(write|append|upload|uploadall|copy|move|rename)["']?[^>]{0,300}(file|destination)\s*=\s*["'][^"']{0,80}#\s*(form|url)\s*\.\s*\w+/ nocase
        $b = /<cffile\b[^>]{0,200}(file|destination)\s*=\s*["'][^"']{0,80}#\s*(form|url)\s*\.\s*\w+[^>]{0,300}action\s*=\s*["']?(write|append|upload|uploadall|copy|move|rename)\b/ nocase
        $c = /<cffile\b[^>]{0,200}action\s*=\s*["']?(write|append)["']?[^>]{0,300}output\s*=\s*["']#\s*(form|url)\s*\.\s*\w+\s*#/ nocase
        $d = /fileWrite\s*\(\s*(form|url)\s*\.\s*\w+\s*,\s*(form|url)\s*\./ nocase
        $e = /<cfhttp\b[^>]{0,300}url\s*=\s*["']#\s*(form|url)\s*\.\s*\w+\s*#[^>]{0,300}\b(path|file)\s*=/ nocase
    condition:
        any of them
}

rule cfm_request_file_manager
{
    meta:
        id          = "ferret.cfm.request_file_manager"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "ColdFusion page reads, deletes or lists files and directories at paths supplied in form/url data (web file manager)"
    strings:
        $f1 = /<cffile\b[^>]{0,200}(file|source)\s*=\s*["'][^"']{0,80}#\s*(form|url)\s*\.\s*\w+/ nocase
        $f2 = /<cfdirectory\b[^>]{0,200}directory\s*=\s*["'][^"']{0,80}#\s*(form|url)\s*\.\s*\w+/ nocase
        $f3 = /<cffile\b[^>]{0,60}action\s*=\s*["']?delete/ nocase
        $f4 = /<cfdirectory\b[^>]{0,200}action\s*=\s*["']?(delete|rename|create)/ nocase
        $f5 = /<cffile\b[^>]{0,60}action\s*=\s*["']?read["']/ nocase
        $f6 = /createObject\s*\(\s*["']java["']\s*,\s*["']java\.io\.File["']/ nocase
    condition:
        ($f1 or $f2) and 2 of ($f3, $f4, $f5, $f6, $f2)
}

rule cfm_request_sql_console
{
    meta:
        id          = "ferret.cfm.request_sql_console"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ColdFusion cfquery whose whole SQL text (and often the datasource) comes from form/url data: a web SQL console"
    strings:
        $a = /<cfquery\b[^>]{0,300}>\s*#\s*(form|url)\s*\.\s*\w+\s*#\s*<\/cfquery>/ nocase
        $b = /<cfquery\b[^>]{0,200}datasource\s*=\s*["']#\s*(form|url)\s*\.\s*\w+\s*#/ nocase
        $c = /queryExecute\s*\(\s*(form|url)\s*\.\s*\w+/ nocase
    condition:
        any of them
}

rule cfm_datasource_service_enum
{
    meta:
        id          = "ferret.cfm.datasource_service_enum"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "ColdFusion page uses the internal coldfusion.server.ServiceFactory to enumerate every datasource (and their stored credentials) on the server"
    strings:
        $a = /coldfusion\.server\.ServiceFactory/ nocase
        $b = /DatasourceService|getDatasources\s*\(/ nocase
        $c = /(decrypt|getPassword|\.password)/ nocase
        $d = /<cfquery\b|writeoutput/ nocase
    condition:
        $a and $b and ($c or $d)
}

rule cfm_evaluate_request
{
    meta:
        id          = "ferret.cfm.evaluate_request"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "ColdFusion Evaluate/PrecisionEvaluate/IIF executes code taken from form/url/cookie data"
    strings:
        $a = /\b(Evaluate|PrecisionEvaluate)\s*\(\s*(ToString\s*\(\s*)?(ToBinary\s*\(\s*)?(URLDecode\s*\(\s*)?(form|url|cookie|cgi)\s*\.\s*\w+/ nocase
        $b = /\bEvaluate\s*\(\s*["']#\s*(form|url|cookie)\s*\.\s*\w+\s*#["']\s*\)/ nocase
        $c = /\bEvaluate\s*\(\s*(form|url|cookie)\s*\[\s*["']/ nocase
    condition:
        any of them
}

rule cfm_chopper_server
{
    meta:
        id          = "ferret.cfm.chopper_server"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "ColdFusion server side of China Chopper: a switch on a form field with single-letter cases (A..Q) for file, directory, command and database actions"
        family      = "China Chopper"
    strings:
        $s = /<cfswitch\s+expression\s*=\s*["']?#\s*form\s*\.\s*\w+\s*#/ nocase
        $c = /<cfcase\s+value\s*=\s*["'][A-Q]["']/ nocase
        $z = /#\s*form\s*\.\s*z[0-9]\s*#/ nocase
    condition:
        $s and #c >= 6 and $z
}

rule cfm_encrypted_template
{
    meta:
        id          = "ferret.cfm.encrypted_template"
        technique   = "T1505.003"
        severity    = "low"
        score       = 20
        description = "ColdFusion template encrypted with cfencode; hides its code from review (legitimate vendors also use it); weak alone"
    strings:
        $a = "Allaire Cold Fusion Template"
    condition:
        $a at 0
}
