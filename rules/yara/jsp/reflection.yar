// Command execution reached through reflection, hidden class names or bytecode tricks.

rule jsp_reflective_process_class
{
    meta:
        id          = "ferret.jsp.reflective_process_class"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP/servlet code looks up Runtime, ProcessBuilder, ProcessImpl or UNIXProcess by name through reflection, a way to run commands while hiding the call"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $ctx3 = "jsp:declaration"
        $ctx4 = /\b(request|req)\s*\.\s*get(Parameter|Header|InputStream|Reader)\s*\(/
        $f1 = /forName\s*\(\s*"java\.lang\.(Runtime|ProcessBuilder|ProcessImpl|UNIXProcess)"/
        $f2 = /forName\s*\(\s*"java\.lang\.[A-Za-z]{0,12}"\s*\+[^;]{0,120}"[A-Za-z]{1,12}"\s*\)/
        $f3 = /loadClass\s*\(\s*"java\.lang\.(Runtime|ProcessBuilder|ProcessImpl|UNIXProcess)"/
        $f4 = /"java\.lang\.(ProcessImpl|UNIXProcess)"/
        $m1 = /get(Declared)?Method\s*\(\s*"(exec|start|forkAndExec|getRuntime)"/
        $m2 = /get(Declared)?Method(s)?\s*\(/
        $m3 = "invoke("
        $m4 = "newInstance("
    condition:
        any of ($ctx*) and ($f4 or (any of ($f1, $f2, $f3) and ($m1 or ($m2 and ($m3 or $m4)))))
}

rule jsp_reflective_exec_method
{
    meta:
        id          = "ferret.jsp.reflective_exec_method"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP code invokes Runtime.exec by method name through reflection, java.beans.Expression/Statement or MethodUtil"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $ctx3 = /\b(request|req)\s*\.\s*get(Parameter|Header|InputStream|Reader)\s*\(/
        $a1 = /new\s+(java\.beans\.)?(Expression|Statement)\s*\(\s*(java\.lang\.)?Runtime\.getRuntime\s*\(\s*\)\s*,\s*"exec"/
        $a2 = /get(Declared)?Method\s*\(\s*"exec"\s*,/
        $a3 = /MethodUtil\s*\.\s*invoke\s*\(/
        $a4 = /Runtime\.class\s*\.\s*get(Declared)?Method\s*\(/
        $a5 = /ProcessBuilder\.class\s*\.\s*get(Declared)?Method\s*\(\s*"start"/
        $a6 = /newMethodAccessor\s*\(/
        $rt = "Runtime"
    condition:
        any of ($ctx*) and (any of ($a1, $a4, $a5) or (($a2 or $a3 or $a6) and $rt))
}

rule jsp_encoded_class_name
{
    meta:
        id          = "ferret.jsp.encoded_class_name"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP code spells java.lang.Runtime/ProcessBuilder or 'exec' as byte/char codes, base64 or reversed text to hide command execution"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $ctx3 = /\b(request|req)\s*\.\s*get(Parameter|Header|InputStream|Reader)\s*\(/
        // "java.lang." as decimal byte/char codes
        $d1 = /106\s*,\s*97\s*,\s*118\s*,\s*97\s*,\s*46\s*,\s*108\s*,\s*97\s*,\s*110\s*,\s*103\s*,\s*46/
        // "Runtime" and "getRuntime" as decimal codes
        $d2 = /82\s*,\s*117\s*,\s*110\s*,\s*116\s*,\s*105\s*,\s*109\s*,\s*101/
        // "/bin/bash" and "cmd.exe" as decimal codes
        $d3 = /47\s*,\s*98\s*,\s*105\s*,\s*110\s*,\s*47\s*,\s*(98\s*,\s*97\s*,\s*)?(115|98)/
        $d4 = /99\s*,\s*109\s*,\s*100\s*,\s*46\s*,\s*101\s*,\s*120\s*,\s*101/
        // base64 of java.lang.Runtime / java.lang.ProcessBuilder
        $b1 = "amF2YS5sYW5nLlJ1bnRpbWU"
        $b2 = "amF2YS5sYW5nLlByb2Nlc3NCdWlsZGVy"
        $b3 = "amF2YS5sYW5nLlByb2Nlc3NJbXBs"
        // reversed
        $v1 = "emitnuR.gnal.avaj"
        $v2 = "redliuBssecorP.gnal.avaj"
        // hex escapes
        $h1 = "\\u006a\\u0061\\u0076\\u0061"
        $h2 = /\\x6a\\x61\\x76\\x61\\x2e/
    condition:
        any of ($ctx*) and any of ($d*, $b*, $v*, $h*)
}

rule jsp_el_exec
{
    meta:
        id          = "ferret.jsp.el_exec"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "A JSP expression-language block ${...} reaches Runtime, ProcessBuilder, ScriptEngineManager or Class.forName, typically fed by param.* (EL web shell)"
    strings:
        $a = /\$\{[^}\n]{0,300}(java\.lang\.Runtime|getRuntime\s*\(\s*\)\s*\.\s*exec|java\.lang\.ProcessBuilder|javax\.script\.ScriptEngineManager|getClass\s*\(\s*\)\s*\.\s*forName)/
        $p = /\b(param|paramValues|header)\s*[\.\[]|pageContext\s*\.\s*request/
    condition:
        $a and $p
}

rule jsp_unicode_escaped_code
{
    meta:
        id          = "ferret.jsp.unicode_escaped_code"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "JSP scriptlet writes plain ASCII Java code as \\uXXXX escapes (which the JSP compiler decodes), hiding calls such as Runtime.exec from review"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $u = /(\\u{1,4}00[2-7][0-9a-fA-F]){12}/
    condition:
        any of ($ctx*) and $u
}
