// Markers of well-known PHP web-shell families (tool names and protocol structure shared by
// every build of a family, not strings of one sample).

rule php_family_wso
{
    meta:
        id = "ferret.php.family_wso"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "WSO (Web Shell by oRb) and its forks: FilesMan default action, wso* helpers or action* panel handlers"
        family = "WSO"
    strings:
        $a = "FilesMan"
        $b = /function\s+wso(Ex|Login|Header|Footer|SecParam|Perms|Viewsize|Scandir|WhichBin|RecursiveGlob|PermsColor)\s*\(/ nocase
        $c = /function\s+action(FilesMan|FilesTools|SecInfo|Console|Php|Bruteforce|Sql|Network|SelfRemove|StringTools|RC)\s*\(/ nocase
        $d = /WSO_VERSION/ nocase
    condition:
        $a or $d or #b >= 2 or #c >= 2
}

rule php_family_c99
{
    meta:
        id = "ferret.php.family_c99"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "c99shell family (c99, c100, ctt, Locus and forks): c99sh_* variables and helpers, myshellexec command wrapper"
        family = "c99"
    strings:
        $a = /c99sh(ell)?[_\s.]/ nocase
        $b = /\$c99sh/ nocase
        $c = /function\s+c99(_buff_prepare|fsearch|sh_getupdate|_sess_put|getsource|ftpbrutecheck|sh_bot|fsorter)\s*\(/ nocase
        $d = /function\s+myshellexec\s*\(/ nocase
        $e = /c99_sess_put|c99ftpbrutecheck|c99sh_surl/ nocase
    condition:
        any of them
}

rule php_family_r57
{
    meta:
        id = "ferret.php.family_r57"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "r57shell family: r57 names in the panel with its command and SQL-dump features"
        family = "r57"
    strings:
        $a = /r57\s?shell/ nocase
        $b = /\$_POST\s*\[\s*['"]cmd['"]\s*\]/
        $c = /r57[_\-\s]/ nocase
        $d = /(safe_mode|disable_functions|mysql_connect|fsockopen)/
    condition:
        $a or ($c and $b and $d)
}

rule php_family_b374k
{
    meta:
        id = "ferret.php.family_b374k"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "b374k web shell (packed loader or unpacked source)"
        family = "b374k"
    strings:
        $a = "b374k" nocase
        $b = /\$s_(pass|self|func|auth|login)\s*=/
        $c = /function\s+(showcode|get_code|exe|ss)\s*\(/
    condition:
        $a or (#b >= 3 and #c >= 2)
}

rule php_family_phpspy
{
    meta:
        id = "ferret.php.family_phpspy"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "PhpSpy web shell family (file manager, PHP eval and command panel)"
        family = "PhpSpy"
    strings:
        $a = "phpspy" nocase
        $b = /str_replace\s*\(\s*["']-["']\s*,\s*["']["']\s*,\s*["']P-h-p-S-p-y["']/
        $c = /\$phpcode\s*=\s*"<\?php\\n\\n\{\$phpcode\}\\n\\n\?>"/
    condition:
        ($a and filesize > 2KB) or $b or $c
}

rule php_family_godzilla_behinder
{
    meta:
        id = "ferret.php.family_godzilla_behinder"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "Godzilla / Behinder (Bingxie) encrypted PHP shell: XOR with $key[$i+1&15] or AES via openssl_decrypt on the request body, payload kept in the session"
        family = "Godzilla/Behinder"
    strings:
        $xor = /\$\w{1,10}\s*\[\s*\$\w{1,5}\s*\+\s*1\s*&\s*15\s*\]/
        $aes = /openssl_decrypt\s*\(\s*\$\w{1,20}\s*,\s*["']AES/ nocase
        $in = /php:\/\/input|\$_(POST|REQUEST)\s*\[/
        $sess = /\$_SESSION\s*\[\s*(\$\w{1,20}|['"]k['"])\s*\]\s*=/
        $run = /(eval|assert|call_user_func|create_function)\s*\(/ nocase
    condition:
        ($xor and $in and $run) or ($aes and $in and ($run or $sess))
}

rule php_family_chopper_antsword
{
    meta:
        id = "ferret.php.family_chopper_antsword"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "China Chopper / AntSword server side: '->|' ... '|<-' output framing or the AntSword custom-script interface"
        family = "China Chopper/AntSword"
    strings:
        $f1 = /["']->\|["']/
        $f2 = /["']\|<-["']/
        $ant = "antsword" nocase
        $req = /\$_(POST|REQUEST|GET)\s*\[/
    condition:
        ($f1 and $f2) or ($ant and $req)
}

rule php_family_weevely
{
    meta:
        id = "ferret.php.family_weevely"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "Weevely agent: XOR helper x($t,$k) applied to base64 text carried in the request, then gzuncompress and eval"
        family = "Weevely"
    strings:
        $a = /@?x\s*\(\s*@?base64_decode\s*\(/
        $b = /function\s+x\s*\(\s*\$t\s*,\s*\$k\s*\)/
        $c = /gz(un)?compress\s*\(\s*@?x\s*\(/
        $d = /\$kh\s*=\s*["'][0-9a-f]{4,12}["']\s*;\s*\$kf\s*=/
    condition:
        2 of them
}

rule php_family_p0wny
{
    meta:
        id = "ferret.php.family_p0wny"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "p0wny@shell single-file PHP shell (featureShell / featureHint / featurePwd AJAX handlers)"
        family = "p0wny"
    strings:
        $a = "p0wny" nocase
        $b = /function\s+feature(Shell|Hint|Pwd|Download|Upload)\s*\(/
    condition:
        $a or #b >= 2
}

rule php_family_indoxploit
{
    meta:
        id = "ferret.php.family_indoxploit"
        technique = "T1505.003"
        severity = "critical"
        score = 100
        description = "IndoXploit shell family (mass deface, symlink, config grabber, jumping)"
        family = "IndoXploit"
    strings:
        $a = "IndoXploit" nocase
        $b = /\$_GET\s*\[\s*['"]do['"]\s*\]\s*==\s*['"](jumping|mass_deface|fakeroot|symlink|config|zoneh|cpanel)['"]/ nocase
    condition:
        $a or #b >= 3
}
