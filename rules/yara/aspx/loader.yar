// ASP.NET: in-memory loaders. Request bytes decrypted/decoded and loaded as an assembly, or source
// code compiled at run time (Godzilla, Behinder, AntSword and similar .NET shells).

rule aspx_assembly_load_request
{
    meta:
        id          = "ferret.aspx.assembly_load_request"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Bytes from the HTTP request are base64-decoded or AES-decrypted and loaded as a .NET assembly (in-memory payload loader: Godzilla/Behinder/AntSword style)"

    strings:
        $load1 = /Assembly[ \t]*\.[ \t]*Load[ \t]*\([ \t]*[^"\s)]/
        $load2 = /GetMethod[ \t]*\([ \t]*"Load"/
        $load3 = /AppDomain\.CurrentDomain\.Load[ \t]*\(/
        $load4 = /typeof[ \t]*\([ \t]*(System\.Reflection\.)?Assembly[ \t]*\)/
        $req1  = /FromBase64String[ \t]*\([ \t]*(HttpContext\.Current\.|Context\.|context\.|this\.)?Request/
        $req2  = /Request\.BinaryRead[ \t]*\(/
        $req3  = /Request\.InputStream/
        $req4  = /(Context|context|HttpContext\.Current)\.Request[ \t]*\[/
        $req5  = /Request(\.Form|\.Params|\.QueryString)?[ \t]*\[[^\]]{1,40}\]/
        $dec1  = /CreateDecryptor[ \t]*\(/
        $dec2  = /TransformFinalBlock[ \t]*\(/
        $dec3  = /FromBase64String[ \t]*\(/
        $inst  = /\.CreateInstance[ \t]*\([ \t]*"/

    condition:
        ($load1 or $load3 or ($load2 and $load4)) and any of ($req*) and
        (($dec1 and $dec2) or ($req1 and $inst) or ($dec3 and $inst and ($req2 or $req3)))
}

rule aspx_godzilla_session_payload
{
    meta:
        id          = "ferret.aspx.godzilla_session_payload"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Decrypted request payload cached as an Assembly in Session and re-instantiated per request, with the reply framed by MD5 halves (Godzilla .NET shell protocol)"
        family      = "Godzilla"

    strings:
        $sess = /Session[ \t]*\[[ \t]*"\w{1,20}"[ \t]*\][ \t]*=[ \t]*\([ \t]*(System\.Reflection\.)?Assembly[ \t]*\)/
        $inst = /\([ \t]*\([ \t]*(System\.Reflection\.)?Assembly[ \t]*\)[ \t]*(Context\.|context\.)?Session[ \t]*\[[^\]]{1,20}\][ \t]*\)[ \t]*\.CreateInstance/
        $md5a = /\.Substring[ \t]*\([ \t]*0[ \t]*,[ \t]*16[ \t]*\)/
        $md5b = /\.Substring[ \t]*\([ \t]*16[ \t]*\)/
        $aes  = "RijndaelManaged" nocase

    condition:
        ($sess or $inst) and $aes and $md5a and $md5b
}

rule aspx_compile_request_source
{
    meta:
        id          = "ferret.aspx.compile_request_source"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Page compiles C#/VB/JScript source received in the request (CodeDomProvider.CompileAssemblyFromSource) and runs it"

    strings:
        $comp = /CompileAssemblyFromSource[ \t]*\(/
        $prov = /(CSharpCodeProvider|VBCodeProvider|JScriptCodeProvider|CodeDomProvider)/
        $req  = /Request(\.Form|\.Params|\.QueryString|\.Item)?[ \t]*[\[(]|Request\.InputStream|Request\.BinaryRead/
        $run  = /(\.CompiledAssembly|\.CreateInstance[ \t]*\(|\.Invoke[ \t]*\()/

    condition:
        $comp and $prov and $req and $run
}

rule aspx_compile_runtime_source
{
    meta:
        id          = "ferret.aspx.compile_runtime_source"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "Server page compiles code at run time with CompileAssemblyFromSource (rare in legitimate pages)"

    strings:
        $asp  = /<%@[ \t]*(Page|WebHandler|WebService|Control)\b/ nocase
        $comp = /CompileAssemblyFromSource[ \t]*\(/

    condition:
        $asp and $comp
}

rule aspx_behinder_loader
{
    meta:
        id          = "ferret.aspx.behinder_loader"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Raw request body AES-decrypted with a session key, loaded with Assembly.Load and CreateInstance(...).Equals(this) (Behinder .NET loader)"
        family      = "Behinder"

    strings:
        $read = /Request\.BinaryRead[ \t]*\([ \t]*Request\.ContentLength/
        $aes  = /CreateDecryptor[ \t]*\(/
        $load = /Assembly[ \t]*\.[ \t]*Load[ \t]*\(/
        $eq   = /CreateInstance[ \t]*\([ \t]*"\w{1,10}"[ \t]*\)[ \t]*\.[ \t]*Equals[ \t]*\(/

    condition:
        $read and $aes and $load and $eq
}
