// Mass mailers planted on web servers.

rule php_mass_mailer
{
    meta:
        id = "ferret.php.mass_mailer"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Sends mail in a loop to a recipient list pasted into a form, with the sender address also taken from the request: a spam mailer"
    strings:
        $list = /explode\s*\(\s*["'](\\r)?\\n["']\s*,\s*[^;]{0,30}\$_(POST|GET|REQUEST)\s*\[/ nocase
        $mail = /(^|[^\w>])mail\s*\(\s*\$\w{1,30}/ nocase
        $from = /From:\s*["']?\s*\.\s*\$_(POST|GET|REQUEST)|\$_(POST|GET|REQUEST)\s*\[\s*['"](from|sender|realname|replyto|from_email|fromemail)['"]\s*\]/ nocase
        $loop = /(foreach|for|while)\s*\(/
    condition:
        $list and $mail and $from and $loop
}
