// Database access panels of web shells (credential-less SQL consoles, table dumpers, brute forcers).

rule php_sql_console_request
{
    meta:
        id = "ferret.php.sql_console_request"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Runs an SQL statement taken verbatim from the request against a server whose host/user/password also come from the request"
    strings:
        $conn = /(mysql_connect|mysqli_connect|new\s+mysqli|mssql_connect|pg_connect|oci_connect)\s*\(\s*@?\$_(POST|GET|REQUEST|COOKIE)\s*\[/ nocase
        $q = /(mysql_query|mysqli_query|mssql_query|pg_query|->query)\s*\(\s*([^;,]{0,40},\s*)?@?\$_(POST|GET|REQUEST)\s*\[/ nocase
    condition:
        $conn and $q
}

rule php_login_bruteforcer
{
    meta:
        id = "ferret.php.login_bruteforcer"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Brute-forces FTP, cPanel or MySQL logins with user lists built from /etc/passwd: a web-shell cracking module"
    strings:
        $p = "/etc/passwd"
        $ftp = /ftp_login\s*\(/ nocase
        $cp = /:208[23]\b/
        $my = /mysql_connect\s*\(/ nocase
        $loop = /(foreach|for|while)\s*\(/
        $word = /(brute|crack|wordlist|password\s*list)/ nocase
    condition:
        $p and $loop and $word and ($ftp or $cp or $my)
}

rule php_config_grabber
{
    meta:
        id = "ferret.php.config_grabber"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Walks other users' home directories or symlinks to read CMS configuration files (wp-config.php, configuration.php) for database passwords"
    strings:
        $a = /\/home\/["'.\s$\w{}]{0,40}\/public_html/ nocase
        $b = /wp-config\.php/ nocase
        $c = /configuration\.php/ nocase
        $d = /(symlink|readlink|file_get_contents|copy)\s*\(/ nocase
        $e = /\/etc\/(passwd|named\.conf)|\/var\/named/ nocase
    condition:
        $a and $b and $c and $d and $e
}

rule php_mysql_file_drop_privesc
{
    meta:
        id = "ferret.php.mysql_file_drop_privesc"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Writes a file through MySQL SELECT ... INTO DUMPFILE/OUTFILE into a privileged location (a Windows MOF file, a UDF library for sys_exec/sys_eval): MySQL privilege-escalation tool"
    strings:
        $into = /into\s+(dump|out)file\s+['"\\]/ nocase
        $t1 = /wbem[\\\/]{1,2}mof/ nocase
        $t2 = /\b(sys_exec|sys_eval|lib_mysqludf\w{0,10}|udf\.(dll|so))\b/ nocase
        $t3 = /#pragma\s+namespace\s*\(\s*["']\\\\\\\\\.\\\\root/ nocase
    condition:
        $into and any of ($t*)
}
