// Request data evaluated by an embedded interpreter: javax.script, JShell, EL, Groovy, OGNL, SpEL,
// and JNDI lookups of request-controlled names.

rule jsp_script_engine_request
{
    meta:
        id          = "ferret.jsp.script_engine_request"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "JSP page evaluates request-supplied code with javax.script (Nashorn/Rhino JavaScript) or JShell"
    strings:
        $r1 = /\b(request|req|getRequest\s*\(\s*\))\s*\.\s*getParameter\s*\(/
        $r2 = /\b(request|req|getRequest\s*\(\s*\))\s*\.\s*get(Header|InputStream|Reader|QueryString)\s*\(/
        $e1 = "ScriptEngineManager"
        $e2 = /getEngineBy(Name|Extension|MimeType)\s*\(/
        $j1 = /JShell\s*\.\s*(builder|create)\s*\(/
        $v = /\.\s*eval\s*\([^;]{0,200}(request|req|getRequest\s*\(\s*\))\s*\.\s*get(Parameter|Header|InputStream|Reader)/
    condition:
        any of ($r*) and $v and (($e1 and $e2) or $j1)
}

rule jsp_script_engine_with_request
{
    meta:
        id          = "ferret.jsp.script_engine_with_request"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page reads the request and runs code through a javax.script engine (Nashorn/Rhino/JavaScript) or JShell that also reaches Runtime/ProcessBuilder or Base64-decoded input"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $r1 = /\b(request|req|getRequest\s*\(\s*\))\s*\.\s*get(Parameter|Header|InputStream|Reader|QueryString)\s*\(/
        $e1 = "ScriptEngineManager"
        $e2 = /getEngineBy(Name|Extension|MimeType)\s*\(/
        $j1 = /JShell\s*\.\s*(builder|create)\s*\(/
        $v = /\.\s*eval\s*\(/
        $x1 = /java\.lang\.Runtime|getRuntime\s*\(\s*\)\s*\.\s*exec|ProcessBuilder/
        $x2 = /BASE64Decoder|getDecoder\s*\(\s*\)|decodeBuffer/
        $x3 = /\.\s*eval\s*\(\s*[a-zA-Z_]\w{0,30}\s*(\+|\))/
    condition:
        any of ($ctx*) and $r1 and $v and (($e1 and $e2) or $j1) and any of ($x*)
}

rule jsp_expression_language_injection
{
    meta:
        id          = "ferret.jsp.expression_language_exec"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page evaluates an expression language (EL, OGNL, SpEL, MVEL, Groovy) built from the request, or one that reaches Runtime/ProcessBuilder/ScriptEngine"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $ctx3 = "HttpServletRequest"
        $r1 = /\b(request|req|getRequest\s*\(\s*\))\s*\.\s*getParameter\s*\(/
        $r2 = /\b(request|req)\s*\.\s*get(Header|InputStream|Reader)\s*\(/
        $x1 = "ELProcessor"
        $x2 = "createValueExpression"
        $x3 = /Ognl\s*\.\s*(getValue|parseExpression)\s*\(/
        $x4 = "SpelExpressionParser"
        $x5 = /MVEL\s*\.\s*eval/
        $x6 = /GroovyShell\s*\(\s*\)\s*\.\s*(evaluate|parse)\s*\(/
        $x7 = "GroovyClassLoader"
        $s1 = "ScriptEngineManager"
        $s2 = "java.lang.Runtime"
        $s3 = "ProcessBuilder"
        $s4 = /getClass\s*\(\s*\)\s*\.\s*forName\s*\(/
        $d1 = /(evaluate|eval|getValue|parseExpression|parseClass)\s*\([^;]{0,60}\.getParameter\s*\(/
    condition:
        any of ($ctx*) and any of ($r*) and any of ($x*) and (any of ($s*) or $d1)
}

rule jsp_jndi_lookup_request
{
    meta:
        id          = "ferret.jsp.jndi_lookup_request"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page performs a JNDI lookup (InitialContext.lookup, JdbcRowSetImpl data source) on a request-controlled name, or enables remote codebase trust, to load remote classes"
    strings:
        $a1 = /\.\s*lookup\s*\([^;]{0,40}\.getParameter\s*\(/
        $a2 = /setDataSourceName\s*\([^;]{0,40}\.getParameter\s*\(/
        $a3 = /trustURLCodebase"\s*,\s*"true"/
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $r = /\.getParameter\s*\(/
        $b1 = "JdbcRowSetImpl"
        $b2 = "InitialContext"
    condition:
        any of ($ctx*) and (any of ($a1, $a2) or ($a3 and $r and any of ($b*)))
}
