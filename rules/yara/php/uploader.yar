// Minimal uploaders and droppers: put attacker files on the server.

rule php_uploader_unsanitised
{
    meta:
        id = "ferret.php.uploader_unsanitised"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Saves an uploaded file under the client-supplied name or a request-chosen directory, with no checks in between"
    strings:
        $a = /(move_uploaded_file|copy)\s*\(\s*@?\$_FILES\s*\[[^\]]{1,30}\]\s*\[\s*['"]tmp_name['"]\s*\]\s*,\s*[^;]{0,80}(\$_FILES\s*\[[^\]]{1,30}\]\s*\[\s*['"]name['"]\s*\]|\$_(POST|GET|REQUEST)\s*\[)/ nocase
    condition:
        $a
}

rule php_uploader_small
{
    meta:
        id = "ferret.php.uploader_small"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Small stand-alone upload page: a multipart form plus move_uploaded_file/copy of the upload to its client-chosen name"
    strings:
        $form = /enctype\s*=\s*\\?["']?multipart\/form-data/ nocase
        $mv = /(move_uploaded_file|copy)\s*\(\s*@?\$_FILES\s*\[[^\]]{1,30}\]\s*\[\s*['"]tmp_name['"]\s*\]\s*,[^;]{0,80}(\$_FILES\s*\[[^\]]{1,30}\]\s*\[\s*['"]name['"]\s*\]|\$_(POST|GET|REQUEST)\s*\[|\$\w{1,20}\s*\)|basename\s*\()/ nocase
        $php = /<\?(php|=|\s)/ nocase
    condition:
        filesize < 3KB and $php and $form and $mv
}

rule php_remote_dropper
{
    meta:
        id = "ferret.php.remote_dropper"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Downloads code from a URL and writes it to a local .php file (or a request-chosen file): a dropper that installs a web shell"
    strings:
        $a = /(file_put_contents|fwrite|fputs)\s*\([^;]{1,80},\s*@?(file_get_contents|curl_exec)\s*\(\s*['"]?(https?|ftp):\/\//i
        $b = /copy\s*\(\s*['"](https?|ftp):\/\/[^'"]{1,200}['"]\s*,\s*['"][^'"]{0,80}\.(php\d?|phtml|inc)['"]/i
        $c = /(file_put_contents|fopen)\s*\(\s*['"][^'"]{0,80}\.(php\d?|phtml)['"]\s*,[^;]{0,40}(base64_decode|gzinflate|\$_(POST|GET|REQUEST))/i
    condition:
        any of them
}

rule php_run_dropped_binary
{
    meta:
        id = "ferret.php.run_dropped_binary"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Writes decoded data to a file, makes it executable and runs it with request-supplied arguments (back-connect or bind tool dropper)"
    strings:
        $w = /(fwrite|fputs|file_put_contents)\s*\([^;]{1,60}base64_decode\s*\(/ nocase
        $x = /chmod\s+(777|755|\+x|0?755|0?777)\b/ nocase
        $run = /(exec|system|passthru|shell_exec|popen|ex)\s*\(\s*["'](\.\/|\/tmp\/|perl |python |gcc )[^"']{0,60}["']\s*\.\s*\$_(POST|GET|REQUEST)/ nocase
    condition:
        $w and ($x or $run)
}
