// Classic ASP (VBScript / server-side JScript): request data evaluated as code.
// China Chopper style one-liners and their close variants.

rule asp_request_execute
{
    meta:
        id          = "ferret.asp.request_execute"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "VBScript Execute/ExecuteGlobal/Eval applied directly to Request or Session data (China Chopper style one-liner)"
        family      = "China Chopper"

    strings:
        // execute request("x") / eval(Request.Form("x")) / ExecuteGlobal Request.Item("x")
        $direct = /(^|[^\w$.>])(execute|executeglobal|eval)[ \t]*\(?[ \t]*(request|session)[ \t]*(\.[ \t]*(form|querystring|item|cookies))?[ \t]*[(\[]/ nocase

    condition:
        $direct
}

rule asp_session_stashed_code
{
    meta:
        id          = "ferret.asp.session_stashed_code"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Request data stored in Session and later executed as VBScript (two-step one-liner)"
        family      = "China Chopper"

    strings:
        $store = /session[ \t]*\([^)]{1,40}\)[ \t]*=[ \t]*request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase
        $exec  = /(^|[^\w$.>])(execute|executeglobal|eval)[ \t]*\(?[ \t]*session[ \t]*\(/ nocase

    condition:
        $store and $exec
}

rule asp_request_var_execute
{
    meta:
        id          = "ferret.asp.request_var_execute"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Small ASP page that copies Request data into a variable and passes a variable to Execute/Eval"
        family      = "China Chopper"

    strings:
        $asp    = "<%"
        $assign = /\b[a-z_]\w{0,30}[ \t]*=[ \t]*request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase
        // Execute x / Eval(x) / ExecuteGlobal(StrReverse(x)) on a plain identifier
        $exec   = /(^|[\s:%>])(execute|executeglobal|eval)[ \t]*(\(|[ \t])[ \t]*(strreverse[ \t]*\([ \t]*)?[a-z_]\w{0,30}[ \t]*\)?[ \t]*(\r|\n|:|%>|\)|$)/ nocase

    condition:
        filesize < 3KB and $asp and $assign and $exec
}

rule asp_class_event_eval
{
    meta:
        id          = "ferret.asp.class_event_eval"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "VBScript class whose Initialize/Terminate event evaluates Request data (evasive one-liner)"
        family      = "China Chopper"

    strings:
        $ev   = /sub[ \t]+class_(initialize|terminate)\b/ nocase
        $exec = /(^|[^\w$.>])(execute|executeglobal|eval)\b[^\r\n]{0,30}request/ nocase

    condition:
        $ev and $exec
}
