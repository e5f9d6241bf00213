// Classic ASP: obfuscation and encoding used to hide a web shell from review and scanners.

rule asp_execute_decoded_literal
{
    meta:
        id          = "ferret.asp.execute_decoded_literal"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "VBScript Execute/ExecuteGlobal/Eval of a decoder function applied to an encoded string literal (chr/hex/escape obfuscated payload)"

    strings:
        // Execute fun("%167%184...") / Execute cd("6877656D...","1314") / execute(unescape("eval%20..."))
        $exec_lit = /(^|[\s:(%>;])(execute|executeglobal|eval)([ \t]*\([ \t]*|[ \t]+)[a-z_]\w{0,30}[ \t]*\([ \t]*"[^"\r\n]{16,}"/ nocase
        // a payload made only of numbers/hex separated by a delimiter
        $numeric  = /"(%[0-9]{2,3}){8,}"/
        $hexrun   = /"[0-9a-f]{24,}"/ nocase
        $escape   = /"[^"\r\n]{0,40}%2[0-9a-f][^"\r\n]{0,40}%2[0-9a-f]/ nocase
        // decoder helper: builds code char by char
        $dec1     = /chr[ \t]*\([ \t]*\(?[ \t]*("&h"|asc|str\w{0,10}[ \t]*\(|cint|clng|int[ \t]*\()/ nocase
        $dec2     = /chr[ \t]*\([ \t]*(asc\w?|str\w{0,6}|cint|clng|cbyte)[ \t]*\([^)]{1,20}\)[ \t]*[-+^][ \t]*\w/ nocase
        $unesc    = /(^|[^\w$.>])(execute|executeglobal)[ \t]*\(?[ \t]*unescape[ \t]*\(/ nocase

    condition:
        $unesc or ($exec_lit and ($numeric or $hexrun or $escape)) or ($exec_lit and ($dec1 or $dec2) and filesize < 10KB)
}

rule asp_execute_char_decoder
{
    meta:
        id          = "ferret.asp.execute_char_decoder"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Small ASP page that decodes a string character by character (Chr(Asc()+n), Chr(x Xor k)) and executes the result"

    strings:
        $exec = /(^|[\s:(%>;])(execute|executeglobal|eval)([ \t]*\([ \t]*|[ \t]+)[a-z_]\w{0,30}[ \t]*[\r\n:)(%]/ nocase
        $dec1 = /chr[ \t]*\([ \t]*\(?[ \t]*asc[ \t]*\(/ nocase
        $dec2 = /chr[ \t]*\([ \t]*(asc\w?|str\w{0,6}|cint|clng|cbyte)[ \t]*\([^)]{1,20}\)[ \t]*[-+][ \t]*\d/ nocase
        $dec3 = /\bxor[ \t]+asc[ \t]*\(/ nocase
        $dec4 = /chr[ \t]*\([ \t]*\(?[ \t]*"&h"/ nocase

    condition:
        filesize < 8KB and $exec and any of ($dec*)
}

rule asp_reversed_keywords
{
    meta:
        id          = "ferret.asp.reversed_keywords"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ASP code written backwards (reversed 'Request', 'eval', 'WScript.Shell') to be restored with StrReverse and executed"

    strings:
        $r1 = "tseuqer" nocase           // request
        $r2 = "llehs.tpircsw" nocase     // wscript.shell
        $r3 = "tcejbometsyselif" nocase  // filesystemobject
        $r4 = "labolgetucexe" nocase     // executeglobal
        $r5 = /\(tseuqer[ \t]+lave/ nocase

    condition:
        any of them
}

rule asp_utf7_codepage
{
    meta:
        id          = "ferret.asp.utf7_codepage"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ASP page declared as UTF-7 (codepage 65000) with UTF-7 encoded script body, a scanner-evasion trick"

    strings:
        $cp  = /<%@[^%]{0,60}codepage[ \t]*=[ \t]*"?65000/ nocase
        $cp2 = /response\.codepage[ \t]*=[ \t]*65000/ nocase
        $u7  = /\+A[A-Za-z0-9+\/]{20,}-/

    condition:
        ($cp or $cp2) and $u7
}

rule asp_encoded_script
{
    meta:
        id          = "ferret.asp.encoded_script"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "ASP page encoded with the Microsoft Script Encoder (VBScript.Encode / #@~^ blocks); hides the code from review"

    strings:
        $lang = /language[ \t]*=[ \t]*"?(vbscript|jscript)\.encode/ nocase
        $blk  = /#@~\^[A-Za-z0-9+\/]{6}==/

    condition:
        $blk and ($lang or #blk > 3)
}

rule asp_encoded_small_page
{
    meta:
        id          = "ferret.asp.encoded_small_page"
        technique   = "T1505.003"
        severity    = "low"
        score       = 20
        description = "Tiny page whose code is a Script Encoder (#@~^) block, the usual wrapping of an encoded one-liner (weak alone: small encoded include files also exist)"

    strings:
        $blk = /#@~\^[A-Za-z0-9+\/]{6}==/

    condition:
        filesize < 1KB and $blk
}

rule asp_obfuscated_progid
{
    meta:
        id          = "ferret.asp.obfuscated_progid"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "CreateObject with a ProgID split into concatenated fragments or Chr() codes (hides WScript.Shell / FileSystemObject / ADODB.Stream)"

    strings:
        // CreateObject("scr"&"ipt"&"ing...") or CreateObject("ad"&e&"odb.st"&e&"ream")
        $split = /createobject[ \t]*\([ \t]*"[a-z.]{1,20}"[ \t]*[&+][ \t]*("[a-z.]{1,20}"|[a-z]\w{0,3}[ \t]*[&+][ \t]*"[a-z.]{1,20}")[ \t]*[&+)]/ nocase
        $const = /=[ \t]*"(scr|scri|scrip|script|wscr|wscri|wscrip|ad|ado|adod|adodb|she|shel|shell)"[ \t]*&[ \t]*"[a-z.]{1,20}"[ \t]*&[ \t]*"[a-z.]{1,20}"/ nocase
        $chr   = /createobject[ \t]*\([ \t]*("[a-z.]{0,12}"[ \t]*&[ \t]*)?chr[ \t]*\([ \t]*&?[0-9]/ nocase

    condition:
        $split or $chr or $const
}

rule asp_scriptcontrol_exec
{
    meta:
        id          = "ferret.asp.scriptcontrol_exec"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "MSScriptControl given the ASP Request object and asked to run a statement: request data executed through a script engine"

    strings:
        $add  = /\.addobject[ \t]+"[^"]{0,20}"[^\r\n]{0,40}request/ nocase
        $add2 = /\.addobject[ \t]*\(?[ \t]*"r"[ \t]*&/ nocase
        $run  = /\.(executestatement|eval|run)[ \t]*\(/ nocase

    condition:
        ($add or $add2) and $run
}

rule asp_binaryread_xor_execute
{
    meta:
        id          = "ferret.asp.binaryread_xor_execute"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Raw request body XOR-decrypted with a session key and executed (Behinder ASP payload loader)"
        family      = "Behinder"

    strings:
        $read = /request\.binaryread[ \t]*\(/ nocase
        $xor  = /\bxor[ \t]+asc[ \t]*\(/ nocase
        $exec = /(^|[\s:(%>;])(execute|executeglobal)([ \t]*\([ \t]*|[ \t]+)[a-z_]\w{0,20}[ \t]*\)?[ \t]*[\r\n:%]/ nocase

    condition:
        $read and $xor and $exec
}

rule asp_execute_session_code
{
    meta:
        id          = "ferret.asp.execute_session_code"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Code decoded or downloaded once, cached in Session and then run with Execute on every request (obfuscated ASP kit loader)"

    strings:
        $cache = /session[ \t]*\([ \t]*"\w{1,30}"[ \t]*\)[ \t]*=[ \t]*[a-z_]\w{0,30}[ \t]*\(/ nocase
        $load  = /\b[a-z_]\w{0,30}[ \t]*=[ \t]*(cstr[ \t]*\([ \t]*)?session[ \t]*\([ \t]*"\w{1,30}"[ \t]*\)/ nocase
        $exec  = /(^|[\s:(%>;])(execute|executeglobal)([ \t]*\([ \t]*|[ \t]+)[a-z_]\w{0,30}[ \t]*\)?[ \t]*(\r|\n|:|%>)/ nocase

    condition:
        $cache and $load and $exec
}

rule asp_execute_request_names
{
    meta:
        id          = "ferret.asp.execute_request_names"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Execute builds VBScript statements from request parameter names (for each x in Request: Execute x & \"=request(...)\"), so the client injects code through a parameter name"

    strings:
        $e = /(^|[\s:(%>;])(execute|executeglobal)[ \t]*\(?[ \t]*("")?[ \t]*("[^"\r\n]{0,10}"[ \t]*&[ \t]*)?[a-z_]\w{0,20}[ \t]*&[ \t]*"[ \t]*=[ \t]*request/ nocase

    condition:
        $e
}
