// File droppers, uploaders and file managers driven by the HTTP request.

rule jsp_webroot_file_drop
{
    meta:
        id          = "ferret.jsp.webroot_file_drop"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "JSP page writes a file under the web root (getRealPath) at a path taken from the request: a one-line dropper that plants further web shells"
    strings:
        $a = /(FileOutputStream|FileWriter|PrintWriter|RandomAccessFile|PrintStream)\s*\(\s*[^;]{0,40}getRealPath\s*\([^;]{0,80}\.getParameter\s*\(/
        $b = /(FileOutputStream|FileWriter|PrintWriter|RandomAccessFile|PrintStream)\s*\(\s*[^;]{0,120}\.getParameter\s*\([^;]{0,200}\.write\s*\([^;]{0,60}(\.getParameter\s*\(|decodeBuffer\s*\(|getDecoder|getInputStream\s*\()/
        $c = /(String|File)\s+\w{1,20}\s*=\s*(new\s+File\s*\(\s*)?(request|application)\.getRealPath\s*\(\s*"[^"]{0,10}"\s*\)\s*\+\s*request\.getParameter\s*\(/
        $w = /FileOutputStream|FileWriter|PrintWriter/
    condition:
        $a or $b or ($c and $w)
}

rule jsp_request_path_file_write
{
    meta:
        id          = "ferret.jsp.request_path_file_write"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "JSP page opens a file for writing at a path taken straight from a request parameter, or writes request content into a file; weak alone (upload handlers do this too)"
    strings:
        $a = /new\s+(java\.io\.)?(FileOutputStream|FileWriter|PrintWriter|RandomAccessFile|PrintStream)\s*\(\s*(new\s+(java\.io\.)?File\s*\(\s*)?[^;]{0,60}\.getParameter\s*\(/
        $b = /\.write\s*\(\s*[^;]{0,40}\.getParameter\s*\(\s*"[^"]{1,30}"\s*\)\s*(\.\w+\s*\([^)]{0,30}\)\s*){0,2}\.getBytes\s*\(/
        $c = /Files\s*\.\s*write\s*\([^;]{0,160}\.getParameter\s*\(/
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $ctx3 = "HttpServletRequest"
    condition:
        any of ($ctx*) and any of ($a, $b, $c)
}

rule jsp_text_file_dropper
{
    meta:
        id          = "ferret.jsp.text_file_dropper"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "JSP page reads a path and text from the request, shows the server's real web-root path and writes the text to that file (classic JSP 'small horse' uploader)"
    strings:
        $rp1 = /getRealPath\s*\(/
        $p = /request\.getParameter\s*\(/
        $w1 = /new\s+(java\.io\.)?(FileOutputStream|FileWriter|PrintWriter|PrintStream)\s*\(\s*(new\s+(java\.io\.)?File\s*\(\s*)?\w{1,30}\s*\)/
        $c1 = /\.write\s*\(\s*\w{1,30}\s*\.\s*getBytes\s*\(/
        $c2 = /\b[a-np-zA-Z_]\w{0,29}\s*\.\s*(println|print|write)\s*\(\s*\w{1,30}\s*\)/
        $pw = /new\s+(java\.io\.)?(PrintWriter|FileWriter)\s*\(\s*\w{1,30}\s*\)/
        $f = /<(form|FORM|Form)\b/
        $t = /<(textarea|TEXTAREA|input|INPUT)\b/
    condition:
        $rp1 and #p >= 2 and $w1 and ($c1 or ($pw and $c2)) and $f and $t
}

rule jsp_file_manager
{
    meta:
        id          = "ferret.jsp.file_manager"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "JSP page combines request handling with a broad set of file-system operations (drive listing, listing, delete, rename, timestamp change, upload/download): a web file manager"
    strings:
        $r = /\.getParameter\s*\(/
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $k1 = /File\s*\.\s*listRoots\s*\(/
        $o2 = /\.\s*listFiles\s*\(/
        $o3 = /\.\s*delete\s*\(\s*\)/
        $k4 = /\.\s*renameTo\s*\(/
        $k5 = /\.\s*setLastModified\s*\(/
        $o6 = /\.\s*mkdirs?\s*\(\s*\)/
        $o7 = /new\s+(java\.io\.)?FileOutputStream\s*\(/
        $o8 = /new\s+(java\.io\.)?FileInputStream\s*\(/
        $o9 = /\.\s*canWrite\s*\(\s*\)/
        $o10 = /getRealPath\s*\(/
        $o11 = /\.\s*createNewFile\s*\(/
    condition:
        $r and any of ($ctx*) and 7 of ($o*, $k*) and any of ($k*)
}

rule jsp_class_base64_literal
{
    meta:
        id          = "ferret.jsp.class_base64_literal"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "A string literal holds a whole base64-encoded Java class file (yv66vg...), the payload of class-injecting and memory web shells"
    strings:
        $a = /["']yv66vgAAA[A-Za-z0-9+\/]{300}/
    condition:
        $a
}

rule jsp_request_path_file_browse
{
    meta:
        id          = "ferret.jsp.request_path_file_browse"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "JSP page opens an absolute path taken straight from a request parameter and lists or reads it (arbitrary file browser)"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $a = /new\s+(java\.io\.)?(File|FileReader|FileInputStream)\s*\(\s*request\.getParameter\s*\(\s*"[^"]{1,30}"\s*\)\s*\)/
        $l1 = /\.\s*list(Files)?\s*\(\s*\)/
        $l2 = /new\s+(java\.io\.)?(FileReader|FileInputStream|RandomAccessFile)\s*\(/
        $l3 = /\.\s*readLine\s*\(\s*\)/
    condition:
        any of ($ctx*) and $a and ($l1 and ($l2 or $l3))
}
