// Python attacker tooling around web shells: clients and generators for PHP web
// shells, non-alphanumeric payload builders, serverless traffic relays.

rule python_embedded_php_webshell
{
    meta:
        id          = "ferret.python.embedded_php_webshell"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Python script that carries a PHP web shell payload in a string (eval/system/base64_decode/fwrite inside <?php ... ?>), i.e. a generator, uploader or client for PHP web shells"

    strings:
        $py1 = /(^|\n)import[ \t]+(sys|os|re|requests|urllib\d?|random|base64|socket|argparse|time|string|subprocess|binascii|hashlib)\b/
        $py2 = /(^|\n)from[ \t]+[\w.]+[ \t]+import[ \t]+[\w*]/
        $py3 = /(^|\n)[ \t]*def[ \t]+\w+[ \t]*\([^)\r\n]*\)[ \t]*:/

        $php  = /(=|\(|%|\+)\s*[rbuf]?("""|'''|"|')\s*<\?php\b/
        $d1   = /@?\beval\s*\(/
        $d2   = /\b(system|passthru|shell_exec|assert|popen|proc_open)\s*\(/
        $d3   = /\bbase64_decode\s*\(/
        $d4   = /\bfwrite\s*\(\s*\$\w+/
        $d5   = /\$_(GET|POST|REQUEST|COOKIE|SERVER)\s*\[/

        $fmt  = /(["']|<\?php\s+)(echo\s+|print\s+)?@?(system|passthru|shell_exec|exec|eval|assert|popen)\s*\(\s*\\?['"]?(%s|\{\d?\}|\{\w+\})\\?['"]?\s*\)/

    condition:
        not uint16(0) == 0x3f3c and any of ($py*) and
        (($php and 2 of ($d*)) or $fmt)
}

rule python_php_shell_interactive_client
{
    meta:
        id          = "ferret.python.php_shell_interactive_client"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "Python interactive loop that reads a command from the operator and posts it to a URL (pseudo-terminal over HTTP, typical of web shell clients); weak alone"

    strings:
        $in   = /\b(raw_input|input)\s*\(\s*["'][^"'\r\n]{0,20}[$#>]\s*["']\s*\)/
        $http = /\b(requests\.(post|get)|urllib2?\.(request\.)?urlopen|urlopen)\s*\(/
        $loop = /\bwhile\s+(True|1)\s*:/

    condition:
        not uint16(0) == 0x3f3c and filesize < 256KB and all of them
}

rule python_nonalnum_payload_generator
{
    meta:
        id          = "ferret.python.nonalnum_payload_generator"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Python generator that XORs/ORs pairs of byte values to find non-alphanumeric character pairs and prints them URL-encoded: builds letter-free PHP web shell payloads that evade filters"

    strings:
        $x1  = /=\s*\(?\s*(i|j|a|b|c|x|y)\s*[\^|]\s*(i|j|a|b|c|x|y)\s*\)?\s*(\r?\n|$|;)/
        $x2  = /\bchr\s*\(\s*(i|j|a|b|x|y)\s*\)\s*\}?\s*\^\s*\{?\s*\w*\(?chr\s*\(/
        $q1  = /\bquote\s*\(\s*chr\s*\(/
        $q2  = /["']%["']\s*\+\s*hex\s*\(\s*\w+\s*\)\s*\[\s*2\s*:\s*\]/
        $q3  = /\bhex\s*\(\s*\w+\s*\)\s*\[\s*2\s*:\s*\]\s*\.zfill\s*\(\s*2\s*\)/
        $loop = /\bfor\s+\w+\s+in\s+(range\s*\(|\w+)[^\r\n]{0,40}:\s*\r?\n\s+for\s+\w+\s+in\s+/
        $alpha = /\b(65|97|0x41|0x61)\b[^\r\n]{0,60}\b(90|122|0x5a|0x7a)\b/

    condition:
        not uint16(0) == 0x3f3c and filesize < 64KB and
        any of ($x*) and any of ($q*) and $loop and $alpha
}

rule python_serverless_http_relay
{
    meta:
        id          = "ferret.python.serverless_http_relay"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Serverless function (SCF/Lambda handler) that relays HTTP requests to a URL taken from the caller's query string with spoofed X-Forwarded-For and TLS checks off: used to hide web shell manager traffic behind cloud IPs"

    strings:
        $h   = /\bdef\s+(main_handler|lambda_handler|handler)\s*\(\s*event\s*,\s*context\s*\)/
        $q   = /\bevent\s*\[\s*['"](queryString|queryStringParameters)['"]\s*\]/
        $u   = /\burl\s*=\s*[^\r\n]{0,20}event\s*\[\s*['"](queryString|queryStringParameters)['"]\s*\]\s*\[\s*['"]url['"]\s*\]/
        $req = /\brequests\.(get|post|request)\s*\([^)\r\n]{0,40}url\s*=\s*url[^)\r\n]{0,120}verify\s*=\s*False/
        $xff = /["']X-Forwarded-For["']\s*:/

    condition:
        not uint16(0) == 0x3f3c and filesize < 64KB and
        $h and $q and $u and $req and $xff
}
