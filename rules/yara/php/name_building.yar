// Function names and code built by program logic rather than by plain string literals:
// non-alphanumeric code, single-character XOR, comment-split literals, letter arrays,
// names computed by a string function and handed to a callback, hex-packed payloads.

rule php_non_alnum_code
{
    meta:
        id = "ferret.php.non_alnum_code"
        technique = "T1505.003"
        severity = "high"
        score = 75
        description = "Non-alphanumeric PHP: code written only with underscore variables ($_, $__, $___) and operators (~, ^, ++, <<), ending in a call of one such variable on another: a hidden one-line shell"
    strings:
        $v = /\$_{2,8}\b/
        $call = /\$_{1,8}(\s*\[[^\]\n]{0,16}\])?\s*\(\s*@?\$_{1,8}\s*[\[{]/
        $op = /(\$_{1,8}\s*\.?=\s*~|\$_\[\]\s*=\s*@?!|\$_{1,8}\s*<<\s*\$_{1,8}|\(\s*\+\+\s*\$_{1,8}\s*\))/
    condition:
        filesize < 20KB and #v > 12 and $call and $op
}

rule php_char_xor_build
{
    meta:
        id = "ferret.php.char_xor_build"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Name assembled from several single characters each XORed with another character or escape ('f'^\"\\x7\", '~'^\"\\xd\"...)"
    strings:
        $x = /['"]([^'"\\\n]|\\x[0-9a-fA-F]{1,2}|\\[0-7]{1,3})['"]\s*\^\s*['"]([^'"\\\n]|\\x[0-9a-fA-F]{1,2}|\\[0-7]{1,3})['"]/
    condition:
        #x >= 3
}

rule php_char_xor_single
{
    meta:
        id = "ferret.php.char_xor_single"
        technique = "T1505.003"
        severity = "low"
        score = 15
        description = "A single character produced by XORing two one-character literals, e.g. ('!'^'@') for 'a', then glued to other literals"
    strings:
        $x = /\(\s*['"]([^'"\\\n]|\\x[0-9a-fA-F]{1,2})['"]\s*\^\s*['"]([^'"\\\n]|\\x[0-9a-fA-F]{1,2})['"]\s*\)\s*\.\s*['"]/
    condition:
        $x
}

rule php_comment_split_code
{
    meta:
        id = "ferret.php.comment_split_code"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Comments wedged inside code to break up names for scanners: between short concatenated literals (\"s\"./*x*/\"e\"), between $ and a variable name, or between eval/a variable and its argument list"
    strings:
        $a = /['"][\w]{1,4}['"]\s*\.\s*\/\*[^\n]{0,24}\*\/\s*['"][\w]{1,4}['"]\s*\.\s*\/\*/
        $b = /\$\s*\/\*[^\n]{0,24}\*\/\s*\{\s*['"]/
        $c = /(^|[^\w>$:\\])(eval|assert|system|passthru|shell_exec)\s*\/\*[^\n]{0,40}\*\/\s*\(/i
        $d = /@?\$\w{1,30}\s*\/\*[^\n]{0,24}\*\/\s*\(\s*\$/
    condition:
        any of them
}

rule php_letter_array_name
{
    meta:
        id = "ferret.php.letter_array_name"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Small script that keeps a function name as an array of one- or two-letter pieces (array('a','s','s','e','r','t')), joins them and calls the result"
    strings:
        $arr = /(array\s*\(|\[)\s*['"][a-z_]{1,2}['"](\s*,\s*['"][a-z_]{1,2}['"]){4,8}\s*[\])]/ nocase
        $join = /(join|implode|array_diff|array_reverse|for\s*\(|foreach\s*\()/ nocase
        $call = /(\$\w{1,30}\s*\(\s*@?\$\w{1,30}(\s*\[[^\]\n]{1,20}\])?\s*\)|Closure::fromCallable\s*\(\s*\$)/
    condition:
        filesize < 3KB and $arr and $join and $call
}

rule php_computed_callback_name
{
    meta:
        id = "ferret.php.computed_callback_name"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "Callback-taking function (array_map, call_user_func, call_user_func_array...) whose callback is the result of a string transform or a decoder applied to a literal (substr_replace($b,'ss',1,0), encode('xhhfsw')): a hidden function name"
    strings:
        $a = /(array_map|call_user_func|call_user_func_array|register_shutdown_function|array_filter|array_walk|usort|uasort|uksort)\s*\(\s*@?(substr_replace|strrev|str_rot13|base64_decode|hex2bin|gzinflate|convert_uudecode)\s*\(/i
        $b = /(call_user_func|call_user_func_array|array_map|register_shutdown_function)\s*\(\s*@?\w{1,30}\s*\(\s*['"][a-z]{4,16}['"]\s*\)\s*,/
        $s = /(strrev|str_rot13|substr_replace|chr\s*\(\s*\(\s*\(|ord\s*\()/i
    condition:
        $a or ($b and $s)
}

rule php_pack_hex_payload
{
    meta:
        id = "ferret.php.pack_hex_payload"
        technique = "T1505.003"
        severity = "medium"
        score = 50
        description = "File path or content hidden as pack(\"H*\", hex) and handed straight to fopen/fputs/include/file_put_contents: a dropper writing or loading a hidden script"
    strings:
        $a = /(fopen|fputs|fwrite|include|include_once|require|require_once|file_put_contents|eval|assert)\s*\(\s*@?(fopen\s*\(\s*)?pack\s*\(\s*['"]H\*['"]\s*,\s*['"][0-9a-fA-F]{8,}/i
        $b = /,\s*pack\s*\(\s*['"]H\*['"]\s*,\s*['"](3c3f|3c736372697074)[0-9a-fA-F]{8,}['"]\s*\)/i
    condition:
        any of them
}

rule php_sprintf_name_pieces
{
    meta:
        id = "ferret.php.sprintf_name_pieces"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Underscored function names assembled with sprintf('%s_%s_%s', A, B, C) from constants or variables (call_user_func, create_function, file_get_contents)"
    strings:
        $a = /sprintf\s*\(\s*['"]%s_%s(_%s)?['"]\s*,\s*[A-Z_$][\w$]{0,30}\s*,/
    condition:
        $a
}

rule php_hex_digit_array
{
    meta:
        id = "ferret.php.hex_digit_array"
        technique = "T1505.003"
        severity = "low"
        score = 25
        description = "Long array of single hexadecimal digits ('6','8','7','4',...) that is joined and hex-decoded at run time: a URL or payload hidden from string search"
    strings:
        $a = /array\s*\(\s*(['"][0-9a-fA-F]['"]\s*,\s*){24}/
    condition:
        $a
}
