// Obfuscation used to hide eval/exec payloads in PHP web shells.

rule php_eval_decoded
{
    meta:
        id = "ferret.php.eval_decoded"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "eval/assert of data produced by a decoder (base64_decode, gzinflate, str_rot13, strrev, hex2bin...): a packed PHP payload"
    strings:
        $a = /(^|[^\w>$:\\])(eval|assert)\s*\(\s*[@\s]*([\w\\]{2,24}\s*\(\s*[@\s]*){0,4}(gzinflate|gzuncompress|gzdecode|base64_decode|str_rot13|strrev|convert_uudecode|hex2bin|rawurldecode|bzdecompress|lzf_decompress)\s*\(/i
        $b = /(^|[^\w>$:\\])(eval|assert)\s*\(\s*[@\s]*['"]\?>['"]\s*\.\s*([\w\\]{2,24}\s*\(\s*){0,4}(gzinflate|gzuncompress|gzdecode|base64_decode|str_rot13|strrev|convert_uudecode|hex2bin)\s*\(/i
    condition:
        any of them
}

rule php_decoder_chain
{
    meta:
        id = "ferret.php.decoder_chain"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Nested decoders (gzinflate(base64_decode(...)), str_rot13(gzinflate(...))...), the usual wrapper of a packed payload"
    strings:
        $a = /(gzinflate|gzuncompress|gzdecode|str_rot13|strrev|convert_uudecode|bzdecompress)\s*\(\s*@?\s*(gzinflate|gzuncompress|gzdecode|base64_decode|str_rot13|strrev|convert_uudecode|hex2bin|rawurldecode|urldecode)\s*\(/i
    condition:
        $a
}

rule php_preg_replace_eval
{
    meta:
        id = "ferret.php.preg_replace_eval"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "preg_replace with the /e modifier (replacement evaluated as PHP), a classic eval substitute in web shells"
    strings:
        $a = /(preg_replace|preg_filter)\s*\(\s*@?\s*["'](\/[^'"\n\/]{0,200}\/|#[^'"\n#]{0,200}#|@[^'"\n@]{0,200}@|\|[^'"\n|]{0,200}\||![^'"\n!]{0,200}!|~[^'"\n~]{0,200}~|%[^'"\n%]{0,200}%)[a-zA-Z]{0,6}e[a-zA-Z]{0,6}["']\s*,/i
        // pattern or replacement hidden in hex escapes: "\x2f.*\x2fe" / "/.*/\x65"
        $b = /(preg_replace|preg_filter)\s*\(\s*["'][^'"\n]{0,40}\\x(2f|23|40|7c|21|7e)[a-zA-Z]{0,4}(e|\\x65|\\145)["']/i
        $c = /(preg_replace|preg_filter)\s*\(\s*["']\/[^'"\n]{0,40}\/[a-zA-Z]{0,4}(\\x65|\\145)["']/i
        // pattern from the request
        $d = /(preg_replace|preg_filter|mb_ereg_replace)\s*\(\s*@?\s*\$_(GET|POST|REQUEST|COOKIE)\s*[\[{]/i
        // pattern delimiter and modifier built with chr(): chr(47) . $x . chr(47) . chr(101)
        $e = /(preg_replace|preg_filter)\s*\(\s*[^;]{0,80}chr\s*\(\s*(101|0x65)\s*\)\s*,/i
    condition:
        any of them
}

rule php_hex_escaped_function
{
    meta:
        id = "ferret.php.hex_escaped_function"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Name of a dangerous function or of a request array written as \\x/octal escapes (e.g. \"\\x65\\x76\\x61\\x6c\"), used to hide eval/base64_decode/$_POST from readers and scanners"
    strings:
        $a = /\\(x65|145)\\(x76|166)\\(x61|141)\\(x6c|154)|\\(x61|141)\\(x73|163)\\(x73|163)\\(x65|145)\\(x72|162)\\(x74|164)|\\(x62|142)\\(x61|141)\\(x73|163)\\(x65|145)\\(x36|66)\\(x34|64)|\\(x67|147)\\(x7a|172)\\(x69|151)\\(x6e|156)\\(x66|146)\\(x6c|154)|\\(x67|147)\\(x7a|172)\\(x75|165)\\(x6e|156)\\(x63|143)\\(x6f|157)|\\(x73|163)\\(x74|164)\\(x72|162)\\(x5f|137)\\(x72|162)\\(x6f|157)|\\(x63|143)\\(x72|162)\\(x65|145)\\(x61|141)\\(x74|164)\\(x65|145)|\\(x73|163)\\(x79|171)\\(x73|163)\\(x74|164)\\(x65|145)\\(x6d|155)|\\(x73|163)\\(x68|150)\\(x65|145)\\(x6c|154)\\(x6c|154)\\(x5f|137)|\\(x70|160)\\(x61|141)\\(x73|163)\\(x73|163)\\(x74|164)\\(x68|150)|\\(x70|160)\\(x72|162)\\(x65|145)\\(x67|147)\\(x5f|137)\\(x72|162)|\\(x63|143)\\(x61|141)\\(x6c|154)\\(x6c|154)\\(x5f|137)\\(x75|165)|\\(x66|146)\\(x69|151)\\(x6c|154)\\(x65|145)\\(x5f|137)\\(x70|160)|\\(x70|160)\\(x72|162)\\(x6f|157)\\(x63|143)\\(x5f|137)\\(x6f|157)|\\(x70|160)\\(x6f|157)\\(x70|160)\\(x65|145)\\(x6e|156)|\\(x5f|137)\\(x50|120)\\(x4f|117)\\(x53|123)\\(x54|124)|\\(x5f|137)\\(x47|107)\\(x45|105)\\(x54|124)|\\(x5f|137)\\(x52|122)\\(x45|105)\\(x51|121)\\(x55|125)\\(x45|105)|\\(x5f|137)\\(x43|103)\\(x4f|117)\\(x4f|117)\\(x4b|113)\\(x49|111)|\\(x67|147)\\(x7a|172)\\(x64|144)\\(x65|145)\\(x63|143)\\(x6f|157)|\\(x63|143)\\(x6f|157)\\(x6e|156)\\(x76|166)\\(x65|145)\\(x72|162)/i
    condition:
        $a
}

rule php_split_function_name
{
    meta:
        id = "ferret.php.split_function_name"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Dangerous function name assembled from concatenated string fragments (\"as\".\"sert\", \"base6\".\"4_decode\"), a scanner-evasion trick"
    strings:
        $a = /a['"]\s*\.\s*['"]s(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?t|as['"]\s*\.\s*['"]s(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?t|ass['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?t|asse['"]\s*\.\s*['"]r(['"]\s*\.\s*['"])?t|asser['"]\s*\.\s*['"]t|b['"]\s*\.\s*['"]a(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?6(['"]\s*\.\s*['"])?4(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e|ba['"]\s*\.\s*['"]s(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?6(['"]\s*\.\s*['"])?4(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e|bas['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?6(['"]\s*\.\s*['"])?4(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e|base['"]\s*\.\s*['"]6(['"]\s*\.\s*['"])?4(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e|base6['"]\s*\.\s*['"]4(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e|base64['"]\s*\.\s*['"]_(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e|base64_['"]\s*\.\s*['"]d(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e|base64_d['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e|base64_de['"]\s*\.\s*['"]c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e|base64_dec['"]\s*\.\s*['"]o(['"]\s*\.\s*['"])?d(['"]\s*\.\s*['"])?e|base64_deco['"]\s*\.\s*['"]d(['"]\s*\.\s*['"])?e|base64_decod['"]\s*\.\s*['"]e|g['"]\s*\.\s*['"]z(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?e|gz['"]\s*\.\s*['"]i(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?e|gzi['"]\s*\.\s*['"]n(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?e|gzin['"]\s*\.\s*['"]f(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?e|gzinf['"]\s*\.\s*['"]l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?e|gzinfl['"]\s*\.\s*['"]a(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?e|gzinfla['"]\s*\.\s*['"]t(['"]\s*\.\s*['"])?e|gzinflat['"]\s*\.\s*['"]e|g['"]\s*\.\s*['"]z(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?m(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?s|gz['"]\s*\.\s*['"]u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?m(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?s|gzu['"]\s*\.\s*['"]n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?m(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?s|gzun['"]\s*\.\s*['"]c(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?m(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?s|gzunc['"]\s*\.\s*['"]o(['"]\s*\.\s*['"])?m(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?s|gzunco['"]\s*\.\s*['"]m(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?s|gzuncom['"]\s*\.\s*['"]p(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?s|gzuncomp['"]\s*\.\s*['"]r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?s|gzuncompr['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?s|gzuncompre['"]\s*\.\s*['"]s(['"]\s*\.\s*['"])?s|gzuncompres['"]\s*\.\s*['"]s|s['"]\s*\.\s*['"]t(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?1(['"]\s*\.\s*['"])?3|st['"]\s*\.\s*['"]r(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?1(['"]\s*\.\s*['"])?3|str['"]\s*\.\s*['"]_(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?1(['"]\s*\.\s*['"])?3|str_['"]\s*\.\s*['"]r(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?1(['"]\s*\.\s*['"])?3|str_r['"]\s*\.\s*['"]o(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?1(['"]\s*\.\s*['"])?3|str_ro['"]\s*\.\s*['"]t(['"]\s*\.\s*['"])?1(['"]\s*\.\s*['"])?3|str_rot['"]\s*\.\s*['"]1(['"]\s*\.\s*['"])?3|str_rot1['"]\s*\.\s*['"]3|c['"]\s*\.\s*['"]r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|cr['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|cre['"]\s*\.\s*['"]a(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|crea['"]\s*\.\s*['"]t(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|creat['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|create['"]\s*\.\s*['"]_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|create_['"]\s*\.\s*['"]f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|create_f['"]\s*\.\s*['"]u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|create_fu['"]\s*\.\s*['"]n(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|create_fun['"]\s*\.\s*['"]c(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|create_func['"]\s*\.\s*['"]t(['"]\s*\.\s*['"])?i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|create_funct['"]\s*\.\s*['"]i(['"]\s*\.\s*['"])?o(['"]\s*\.\s*['"])?n|create_functi['"]\s*\.\s*['"]o(['"]\s*\.\s*['"])?n|create_functio['"]\s*\.\s*['"]n|s['"]\s*\.\s*['"]h(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?x(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c|sh['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?x(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c|she['"]\s*\.\s*['"]l(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?x(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c|shel['"]\s*\.\s*['"]l(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?x(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c|shell['"]\s*\.\s*['"]_(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?x(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c|shell_['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?x(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c|shell_e['"]\s*\.\s*['"]x(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?c|shell_ex['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?c|shell_exe['"]\s*\.\s*['"]c|p['"]\s*\.\s*['"]a(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?h(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?u|pa['"]\s*\.\s*['"]s(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?h(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?u|pas['"]\s*\.\s*['"]s(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?h(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?u|pass['"]\s*\.\s*['"]t(['"]\s*\.\s*['"])?h(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?u|passt['"]\s*\.\s*['"]h(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?u|passth['"]\s*\.\s*['"]r(['"]\s*\.\s*['"])?u|passthr['"]\s*\.\s*['"]u|s['"]\s*\.\s*['"]y(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?m|sy['"]\s*\.\s*['"]s(['"]\s*\.\s*['"])?t(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?m|sys['"]\s*\.\s*['"]t(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?m|syst['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?m|syste['"]\s*\.\s*['"]m|c['"]\s*\.\s*['"]a(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c|ca['"]\s*\.\s*['"]l(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c|cal['"]\s*\.\s*['"]l(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c|call['"]\s*\.\s*['"]_(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c|call_['"]\s*\.\s*['"]u(['"]\s*\.\s*['"])?s(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c|call_u['"]\s*\.\s*['"]s(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c|call_us['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c|call_use['"]\s*\.\s*['"]r(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c|call_user['"]\s*\.\s*['"]_(['"]\s*\.\s*['"])?f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c|call_user_['"]\s*\.\s*['"]f(['"]\s*\.\s*['"])?u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c|call_user_f['"]\s*\.\s*['"]u(['"]\s*\.\s*['"])?n(['"]\s*\.\s*['"])?c|call_user_fu['"]\s*\.\s*['"]n(['"]\s*\.\s*['"])?c|call_user_fun['"]\s*\.\s*['"]c|p['"]\s*\.\s*['"]r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?g(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?e|pr['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?g(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?e|pre['"]\s*\.\s*['"]g(['"]\s*\.\s*['"])?_(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?e|preg['"]\s*\.\s*['"]_(['"]\s*\.\s*['"])?r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?e|preg_['"]\s*\.\s*['"]r(['"]\s*\.\s*['"])?e(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?e|preg_r['"]\s*\.\s*['"]e(['"]\s*\.\s*['"])?p(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?e|preg_re['"]\s*\.\s*['"]p(['"]\s*\.\s*['"])?l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?e|preg_rep['"]\s*\.\s*['"]l(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?e|preg_repl['"]\s*\.\s*['"]a(['"]\s*\.\s*['"])?c(['"]\s*\.\s*['"])?e|preg_repla['"]\s*\.\s*['"]c(['"]\s*\.\s*['"])?e|preg_replac['"]\s*\.\s*['"]e|e['"]\s*\.\s*['"]v(['"]\s*\.\s*['"])?a(['"]\s*\.\s*['"])?l|ev['"]\s*\.\s*['"]a(['"]\s*\.\s*['"])?l|eva['"]\s*\.\s*['"]l/i
        $b = /['"]base['"]\s*\.\s*\(?\s*\d{1,3}\s*\*\s*\d{1,3}\s*\)?\s*\.\s*['"]_?de/i
    condition:
        any of them
}

rule php_reversed_or_rot13_name
{
    meta:
        id = "ferret.php.reversed_or_rot13_name"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Dangerous function name stored reversed (for strrev) or ROT13-encoded (for str_rot13), e.g. 'tressa', 'edoced_46esab', 'riny'"
    strings:
        $r1 = /['"](edoced_46esab|tressa|metsys|cexe_llehs|urhtssap|etalfnizg|noitcnuf_etaerc|31tor_rts|sserpmocnuzg|nepo_corp|cnuf_resu_llac|ecalper_gerp|stnetnoc_tup_elif)['"]/i
        $r2 = /strrev\s*\(\s*['"](lave|tressa|metsys|cexe)/i
        $r3 = /['"](riny|nffreg|onfr64_qrpbqr|flfgrz|furyy_rkrp|cnffgueh|tmvasyngr|perngr_shapgvba|tmhapbzcerff|pnyy_hfre_shap|cert_ercynpr)['"]/i
        $r4 = /str_rot13\s*\(\s*['"]([^'"\n]{0,16}[^a-z'"])?(riny|nffreg|onfr64|flfgrz|furyy|cnffgueh|tmvas|perngr|cert_)/i
    condition:
        any of them
}

rule php_xor_string_build
{
    meta:
        id = "ferret.php.xor_string_build"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "String XORed with an escaped byte string to produce a function name at run time ('abc'^\"\\x10\\x2f...\"), a common web-shell obfuscator"
    strings:
        $a = /['"][^'"\n]{2,60}['"]\s*\^\s*["'](\\x[0-9a-fA-F]{1,2}|\\[0-7]{1,3}){3,}/
        $b = /["'](\\x[0-9a-fA-F]{1,2}|\\[0-7]{1,3}){3,}["']\s*\^\s*['"][^'"\n]{2,60}['"]/
        // non-alphanumeric shells: ("#"^"|").("~"^"...")
        $c = /\(\s*['"][^'"\w\s]{1,4}['"]\s*\^\s*['"][^'"\w\s]{1,4}['"]\s*\)\s*\.\s*\(\s*['"][^'"\w\s]{1,4}['"]\s*\^\s*['"]/
    condition:
        any of them
}

rule php_encoded_php_blob
{
    meta:
        id = "ferret.php.encoded_php_blob"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Base64 text that decodes to PHP or shell code (<?php, eval(, system(, $_POST[, #!/usr/bin/perl): an embedded packed payload"
    strings:
        $php = "PD9waH"
        $eval1 = "ZXZhbC"
        $eval2 = "V2YWwo"
        $eval3 = "ldmFsK"
        $post1 = "JF9QT1NUW"
        $post2 = "RfUE9TVF"
        $post3 = "kX1BPU1Rb"
        $get1 = "JF9HRVRb"
        $get2 = "RfR0VUW"
        $get3 = "kX0dFVF"
        $sys1 = "c3lzdGVtK"
        $sys2 = "N5c3RlbS"
        $sys3 = "zeXN0ZW0o"
        $b641 = "YmFzZTY0X2RlY29kZS"
        $b642 = "Jhc2U2NF9kZWNvZGUo"
        $b643 = "iYXNlNjRfZGVjb2RlK"
        $perl1 = "IyEvdXNyL2Jpbi9wZXJs"
        $perl2 = "MhL3Vzci9iaW4vcGVyb"
        $perl3 = "jIS91c3IvYmluL3Blcm"
        $pt1 = "cGFzc3RocnUo"
        $pt2 = "Bhc3N0aHJ1K"
        $pt3 = "wYXNzdGhydS"
        $se1 = "c2hlbGxfZXhlYy"
        $se2 = "NoZWxsX2V4ZWMo"
        $se3 = "zaGVsbF9leGVjK"
        $gz1 = "Z3ppbmZsYXRlK"
        $gz2 = "d6aW5mbGF0ZS"
        $gz3 = "nemluZmxhdGUo"
    condition:
        any of them
}

rule php_create_function_dynamic
{
    meta:
        id = "ferret.php.create_function_dynamic"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "create_function with a non-literal body (a variable, request data or decoded string): an eval in disguise"
    strings:
        $a = /create_function\s*\(\s*(null|['"]{2}|['"]\$\w{1,20}(\s*,\s*\$\w{1,20})*['"])?\s*,\s*@?\s*([\w]{1,20}\s*\(\s*){0,3}(\$|base64_decode|gzinflate|gzuncompress|str_rot13|pack|hex2bin|file_get_contents|urldecode)/i
        $b = /create_function\s*\([^;]{0,60},\s*['"][^'"]{0,30}(assert|eval|system|passthru|shell_exec)\s*\(/i
    condition:
        $a or $b
}

rule php_dynamic_call_decoded
{
    meta:
        id = "ferret.php.dynamic_call_decoded"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "A variable holding a function name is called on freshly decoded data ($f(base64_decode(...))): hidden eval/assert"
    strings:
        $a = /\$\w{1,40}\s*\(\s*@?\s*(base64_decode|gzinflate|gzuncompress|str_rot13|strrev|hex2bin|convert_uudecode)\s*\(/i
    condition:
        $a
}

rule php_char_index_build
{
    meta:
        id = "ferret.php.char_index_build"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Code text assembled character by character from indexes into a scrambled alphabet or chr() codes ($s[12].$s[3].$s[40]...)"
    strings:
        $a = /(\$\w{1,40}(\[\d{1,3}\]|\{\d{1,3}\})\s*\.\s*){5}/
        $b = /(\$GLOBALS\s*\[\s*['"][^'"]{1,40}['"]\s*\]\s*\[\s*\d{1,3}\s*\]\s*\.\s*){5}/
        // chr() of printable letters/punctuation only (binary tables use 0..31)
        $c = /(chr\s*\(\s*(3[2-9]|[4-9]\d|1[01]\d|12[0-6]|0x[2-7][0-9a-f])\s*\)\s*\.\s*){7}/i
        // chr() aliased to a variable: $c(101).$c(118).$c(97)...
        $d = /\$\w{1,40}\(\d{2,3}\)\.\$\w{1,40}\(\d{2,3}\)\.\$\w{1,40}\(\d{2,3}\)\.\$\w{1,40}\(\d{2,3}\)\.\$\w{1,40}\(\d{2,3}\)/
    condition:
        #a > 3 or $b or $c or $d
}

rule php_str_replace_garbage
{
    meta:
        id = "ferret.php.str_replace_garbage"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "str_replace removing a junk token from a literal to reveal a hidden string (a common packer step)"
    strings:
        $a = /str_replace\s*\(\s*['"][^'"\n]{1,10}['"]\s*,\s*['"]['"]\s*,\s*['"][^'"\n]{10,}/i
        $b = /\$\w{1,40}\s*\(\s*['"][^'"\n]{1,10}['"]\s*,\s*['"]['"]\s*,\s*['"][^'"\n]{10,}/
    condition:
        any of them
}

rule php_str_replace_hidden_name
{
    meta:
        id = "ferret.php.str_replace_hidden_name"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "str_replace strips junk from a literal to reveal a dangerous function name (e.g. 'cXrXeXaXtXe_function' -> create_function), as in Weevely-style packers"
    strings:
        $a = /(str_replace|preg_replace|preg_filter|\$\w{1,30})\s*\(\s*['"][^'"\n]{1,10}['"]\s*,\s*['"]['"]\s*,\s*['"][^'"\n]{0,6}(c[^'"\n]{0,6}r[^'"\n]{0,6}e[^'"\n]{0,6}a[^'"\n]{0,6}t[^'"\n]{0,6}e[^'"\n]{0,6}_[^'"\n]{0,6}f[^'"\n]{0,6}u[^'"\n]{0,6}n[^'"\n]{0,6}c[^'"\n]{0,6}t[^'"\n]{0,6}i[^'"\n]{0,6}o[^'"\n]{0,6}n|a[^'"\n]{0,6}s[^'"\n]{0,6}s[^'"\n]{0,6}e[^'"\n]{0,6}r[^'"\n]{0,6}t|b[^'"\n]{0,6}a[^'"\n]{0,6}s[^'"\n]{0,6}e[^'"\n]{0,6}6[^'"\n]{0,6}4[^'"\n]{0,6}_[^'"\n]{0,6}d[^'"\n]{0,6}e[^'"\n]{0,6}c[^'"\n]{0,6}o[^'"\n]{0,6}d[^'"\n]{0,6}e|s[^'"\n]{0,6}t[^'"\n]{0,6}r[^'"\n]{0,6}_[^'"\n]{0,6}r[^'"\n]{0,6}e[^'"\n]{0,6}p[^'"\n]{0,6}l[^'"\n]{0,6}a[^'"\n]{0,6}c[^'"\n]{0,6}e|g[^'"\n]{0,6}z[^'"\n]{0,6}i[^'"\n]{0,6}n[^'"\n]{0,6}f[^'"\n]{0,6}l[^'"\n]{0,6}a[^'"\n]{0,6}t[^'"\n]{0,6}e|g[^'"\n]{0,6}z[^'"\n]{0,6}u[^'"\n]{0,6}n[^'"\n]{0,6}c[^'"\n]{0,6}o[^'"\n]{0,6}m[^'"\n]{0,6}p[^'"\n]{0,6}r[^'"\n]{0,6}e[^'"\n]{0,6}s[^'"\n]{0,6}s|s[^'"\n]{0,6}t[^'"\n]{0,6}r[^'"\n]{0,6}_[^'"\n]{0,6}r[^'"\n]{0,6}o[^'"\n]{0,6}t[^'"\n]{0,6}1[^'"\n]{0,6}3|c[^'"\n]{0,6}a[^'"\n]{0,6}l[^'"\n]{0,6}l[^'"\n]{0,6}_[^'"\n]{0,6}u[^'"\n]{0,6}s[^'"\n]{0,6}e[^'"\n]{0,6}r[^'"\n]{0,6}_[^'"\n]{0,6}f[^'"\n]{0,6}u[^'"\n]{0,6}n[^'"\n]{0,6}c|p[^'"\n]{0,6}r[^'"\n]{0,6}e[^'"\n]{0,6}g[^'"\n]{0,6}_[^'"\n]{0,6}r[^'"\n]{0,6}e[^'"\n]{0,6}p[^'"\n]{0,6}l[^'"\n]{0,6}a[^'"\n]{0,6}c[^'"\n]{0,6}e|s[^'"\n]{0,6}h[^'"\n]{0,6}e[^'"\n]{0,6}l[^'"\n]{0,6}l[^'"\n]{0,6}_[^'"\n]{0,6}e[^'"\n]{0,6}x[^'"\n]{0,6}e[^'"\n]{0,6}c|p[^'"\n]{0,6}a[^'"\n]{0,6}s[^'"\n]{0,6}s[^'"\n]{0,6}t[^'"\n]{0,6}h[^'"\n]{0,6}r[^'"\n]{0,6}u|s[^'"\n]{0,6}y[^'"\n]{0,6}s[^'"\n]{0,6}t[^'"\n]{0,6}e[^'"\n]{0,6}m)[^'"\n]{0,6}['"]\s*\)/i
    condition:
        $a
}

rule php_split_base64_literal
{
    meta:
        id = "ferret.php.split_base64_literal"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "base64_decode of a literal split into concatenated fragments, or a table of base64-decoded function names: packer output hiding function names"
    strings:
        $a = /base64_decode\s*\(\s*['"][A-Za-z0-9+\/=]{1,12}['"]\s*\.\s*['"][A-Za-z0-9+\/=]{1,12}['"]\s*\.\s*['"]/
        $b = /\$GLOBALS\s*\[\s*['"]_{1,3}\w{1,20}['"]\s*\]\s*=\s*array\s*\(\s*base64_decode\s*\(/i
        $c = /=\s*array\s*\(\s*base64_decode\s*\(\s*['"][A-Za-z0-9+\/=]{4,40}['"]\s*\)\s*,\s*base64_decode\s*\(\s*['"][A-Za-z0-9+\/=]{4,40}['"]\s*\)\s*,\s*base64_decode\s*\(/i
    condition:
        any of them
}

rule php_empty_arg_variable_call
{
    meta:
        id = "ferret.php.empty_arg_variable_call"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "A variable is called like create_function with an empty argument list and a variable body ($f('', $code)), then the result is invoked"
    strings:
        $a = /\$\w{1,40}\s*=\s*@?\$\w{1,40}\((''|""),\s*@?\$\w/
    condition:
        $a
}

rule php_eval_code_literal
{
    meta:
        id = "ferret.php.eval_code_literal"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "PHP code kept as escaped text in a string (\"while(list(\\$key,\\$val) = each(\\$$v))...\") assigned to a variable that is then evaluated: code that walks variables chosen at run time"
    strings:
        $lit = /\$\w{1,20}\s*=\s*"[^"\n]{0,20}(while|foreach|for|if)\s*\(\s*(list\s*\()?[^"\n]{0,30}\\\$\w{1,20}[^"\n]{0,40}(each|as)\s*[\s(][^"\n]{0,10}(\\\$\$|\$"\s*\.)/
        $ev = /(^|[^\w>$:\\])@?eval\s*\(\s*\$\w{1,20}\s*\)/i
    condition:
        filesize < 4KB and $lit and $ev
}

rule php_base64_function_name
{
    meta:
        id = "ferret.php.base64_function_name"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "base64_decode of a literal that is only a dangerous function name or a piece of one ('YXNzZXJ0' = assert, 'c3lzdGVt' = system, 'YXNz'.base64_decode('ZXJ0')): the name is hidden from readers and scanners"
    strings:
        $a = /base64_decode\s*\(\s*['"](YXNzZXJ0|ZXZhbA|c3lzdGVt|c2hlbGxfZXhlYw|cGFzc3RocnU|Y3JlYXRlX2Z1bmN0aW9u|cHJvY19vcGVu|cG9wZW4|YXNz|ZXJ0|c3lz|ZXZh)={0,2}['"]\s*\)/
        $b = /['"](YXNz|c3lz|ZXZh|c3lzdGVt|YXNzZXJ0)={0,2}['"]\s*\.\s*base64_decode\s*\(/
    condition:
        any of them
}

rule php_escaped_include_path
{
    meta:
        id = "ferret.php.escaped_include_path"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "include/require of a path written almost entirely as \\x or octal escapes (@include \"\\x2fh\\x6fm\\x65/...\"), the injected loader line of mass-compromise malware"
    strings:
        $a = /(include|require)(_once)?\s*\(?\s*["'][^"'\n]{0,3}(\\(x[0-9a-fA-F]{2}|[0-7]{3})[^"'\\\n]{0,2}){8}/i
    condition:
        $a
}

rule php_literal_xor_chr_chain
{
    meta:
        id = "ferret.php.literal_xor_chr_chain"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "A filler literal XORed with a chain of chr() codes ('{{{{{'^chr(25).chr(26)...) to produce a hidden function or stream name"
    strings:
        $a = /['"][^'"\n]{4,40}['"]\s*\^\s*chr\s*\(\s*\d{1,3}\s*\)\s*\.\s*chr\s*\(\s*\d{1,3}\s*\)\s*\.\s*chr\s*\(/i
    condition:
        $a
}

rule php_pack_char_codes_name
{
    meta:
        id = "ferret.php.pack_char_codes_name"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Function names produced from character codes with pack('c*', 0x70, 0x61, 99, 107) (here 'pack' itself), then used to build further names: name hiding"
    strings:
        $a = /pack\s*\(\s*['"][cC]\*['"]\s*(,\s*(0x[0-9a-fA-F]{2}|\d{2,3})\s*){4,40}\)/
        $b = /\$\w{1,30}\s*\(\s*['"][cC]\*['"]\s*(,\s*(0x[0-9a-fA-F]{2}|\d{2,3})\s*){4,40}\)/
    condition:
        #a >= 2 or ($a and $b)
}
