// Perl CGI file browsers, file managers and uploaders driven by the request.

rule perl_cgi_file_browser
{
    meta:
        id          = "ferret.perl.cgi_file_browser"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Perl CGI script that lists any directory named in the request and links back to itself with the path in the query string (remote file browser/downloader)"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/

        $src_qs     = /\$ENV\{\s*['"]?QUERY_STRING['"]?\s*\}/
        $src_param  = /\bparam\s*\(\s*['"](path|dir|d|file|f|cwd|folder)['"]/
        $od         = /\bopendir\s*\(?\s*\*?\$?\w+\s*,\s*["']?\$\w+/
        $rd         = /\breaddir\s*\(?\s*\*?\$?\w+/
        $link       = /href\s*=\s*\\?["']?[^"'\s>]{0,60}\?(path|dir|d|file|f|cwd|folder)=["'.\s]{0,4}\$\w+/
        $dl1        = "application/octet-stream"
        $dl2        = /\bopen\s*\(?\s*\w+\s*,\s*["']\s*<?\s*\$(path|file|f|fpath|filename)["']/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and
        any of ($src_*) and $od and $rd and $link and any of ($dl*)
}

rule perl_cgi_file_manager
{
    meta:
        id          = "ferret.perl.cgi_file_manager"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Perl CGI file manager: request-driven directory listing together with delete/rename/chmod actions on request-supplied paths and file writes"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/

        $src_qs     = /\$ENV\{\s*['"]?(QUERY_STRING|CONTENT_LENGTH)['"]?\s*\}/
        $src_param  = /\bparam\s*\(\s*['"$]\w+/
        $rd         = /\breaddir\s*\(?\s*\*?\$?\w+/
        $act_unlink = /\bunlink\s*\(?\s*\$\w+/
        $act_rename = /\brename\s*\(?\s*\$\w+\s*,\s*\$\w+/
        $act_chmod  = /\bchmod\s*\(?\s*(oct\s*\(\s*)?\$\w+\s*\)?\s*,\s*\$\w+/
        $act_rmdir  = /\brmdir\s*\(?\s*\$\w+/
        $act_mkdir  = /\bmkdir\s*\(?\s*\$\w+/
        $wr         = /\bopen\s*\(?\s*\w+\s*,\s*(["']\s*>\s*\$\w+|["']>["']\s*,\s*\$\w+)/
        $form       = /<form\b/ nocase

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and
        any of ($src_*) and $rd and 3 of ($act_*) and $wr and $form
}

rule perl_cgi_upload_writer
{
    meta:
        id          = "ferret.perl.cgi_upload_writer"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Perl CGI uploader: takes a multipart file upload and writes it to disk under a path/name taken from the request (lets a remote user drop arbitrary files, e.g. a web shell)"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/

        $up1 = /\bfilefield\s*\(/
        $up2 = /\bstart_multipart_form\b/
        $up3 = /multipart\/form-data/ nocase
        $up4 = /->\s*upload\s*\(\s*['"$]\w+/
        $in1 = /\bparam\s*\(\s*['"$]\w+/
        $in2 = /filename\s*=\s*\\?"\s*\(/
        $in3 = /\b(sys)?read\s*\(\s*STDIN\s*,/
        $wr  = /\bopen\s*\(?\s*\w+\s*,\s*(["']\s*>\s*\$\w+|["']>["']\s*,\s*\$\w+)/
        $cp1 = /\bwhile\s*\(\s*(my\s+)?\$\w+\s*=\s*read\s*\(\s*\$\w+\s*,\s*(my\s+)?\$\w+\s*,\s*\d+/
        $cp2 = /\bwhile\s*\(\s*<\s*\$\w+\s*>\s*\)\s*\{\s*print\s+\w+/
        $cp3 = /\bprint\s+\w+\s+\$(in|FORM|_VAR|formlist)\{\s*['"]?\w*(file|data|content)/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and
        any of ($up*) and any of ($in*) and $wr and any of ($cp*)
}
