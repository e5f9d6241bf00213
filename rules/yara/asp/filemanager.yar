// Classic ASP: file-system managers, file writers and uploaders found in web-shell kits.

rule asp_fso_drive_manager
{
    meta:
        id          = "ferret.asp.fso_drive_manager"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "FileSystemObject manager that enumerates server drives and deletes/copies/moves arbitrary files chosen by the request (web-shell file manager)"

    strings:
        $fso   = "filesystemobject" nocase
        $fso2  = /"scr"[ \t]*&/ nocase
        $drv   = /\.drives\b/ nocase
        $drv2  = /\.drivetype\b/ nocase
        $del   = /\.delete(file|folder)[ \t]*[( ]/ nocase
        $cpy   = /\.(copy|move)(file|folder)[ \t]*[( ]/ nocase
        $new   = /\.createtextfile[ \t]*\(/ nocase
        $req   = /request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase

    condition:
        ($fso or $fso2) and ($drv or $drv2) and $del and $cpy and $new and $req
}

rule asp_fso_file_ops
{
    meta:
        id          = "ferret.asp.fso_file_ops"
        technique   = "T1505.003"
        severity    = "low"
        score       = 20
        description = "ASP page creates, deletes or rewrites files with FileSystemObject based on request parameters"

    strings:
        $fso  = "filesystemobject" nocase
        $op   = /\.(createtextfile|opentextfile|deletefile|deletefolder|copyfile|movefile)[ \t]*[( ]/ nocase
        $req  = /request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase

    condition:
        $fso and #op > 1 and $req
}

rule asp_fso_request_writer
{
    meta:
        id          = "ferret.asp.fso_request_writer"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Small ASP page that writes request-supplied content into a file whose path is also taken from the request (web-shell dropper)"

    strings:
        $fso   = "filesystemobject" nocase
        $open  = /\.(createtextfile|opentextfile)[ \t]*\([ \t]*(server\.mappath[ \t]*\([ \t]*)?(request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(|[a-z_]\w{0,20}[ \t]*[,)])/ nocase
        $write = /\.write(line)?[ \t]*\(?[ \t]*(""[ \t]*&[ \t]*)?(request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(|[a-z_]\w{0,20}[ \t]*\)?[ \t]*(\r|\n|'))/ nocase
        $req   = /[a-z_]\w{0,20}[ \t]*=[ \t]*request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase
        $req2  = /\.write(line)?[ \t]*\(?[ \t]*(""[ \t]*&[ \t]*)?request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase

    condition:
        filesize < 6KB and $fso and $open and $write and (#req > 1 or ($req and $req2))
}

rule asp_stream_savetofile_request
{
    meta:
        id          = "ferret.asp.stream_savetofile"
        technique   = "T1505.003"
        severity    = "low"
        score       = 20
        description = "ADODB.Stream writes binary request or downloaded data to disk (file upload / download-to-disk)"

    strings:
        $st   = /adodb\.stream/ nocase
        $st2  = /"ad"[ \t]*&/ nocase
        $save = /\.savetofile\b/ nocase
        $src1 = /request\.binaryread/ nocase
        $src2 = /\.responsebody\b/ nocase

    condition:
        ($st or $st2) and $save and ($src1 or $src2)
}

rule asp_remote_payload_drop
{
    meta:
        id          = "ferret.asp.remote_payload_drop"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Small ASP page downloads a remote file with XMLHTTP and saves it on the server with ADODB.Stream or runs it (remote web-shell dropper)"

    strings:
        $http = /(microsoft|msxml2)\.(server)?xmlhttp/ nocase
        $get  = /\.open[ \t]*\(?[ \t]*"get"[ \t]*,[ \t]*"?http/ nocase
        $st   = /adodb\.stream/ nocase
        $body = /\.responsebody\b/ nocase
        $save = /\.savetofile[ \t]*\(?[ \t]*"[a-z]:\\/ nocase
        $run  = /\.run[ \t]*\(?[ \t]*"[a-z]:\\/ nocase

    condition:
        filesize < 8KB and $http and $get and $st and $body and ($save or $run)
}

rule asp_remote_code_execute
{
    meta:
        id          = "ferret.asp.remote_code_execute"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ASP page fetches code over HTTP (XMLHTTP) and executes it with Execute/ExecuteGlobal (remote-loaded web shell)"

    strings:
        $http = /(microsoft|msxml2)\.(server)?xmlhttp/ nocase
        $exec = /(^|[\s:(%>;])(execute|executeglobal)([ \t]*\([ \t]*|[ \t]+)[a-z_]\w{0,30}[ \t]*\)?[ \t]*(\r|\n|:|%>)/ nocase
        $sess = /session[ \t]*\([^)]{1,30}\)[ \t]*=[ \t]*[a-z_]\w{0,30}[ \t]*(\r|\n|:)/ nocase
        $fn   = /[a-z_]\w{0,30}[ \t]*=[ \t]*[a-z_]\w{0,30}[ \t]*\([ \t]*(chr|"http)/ nocase

    condition:
        $http and $exec and ($sess or $fn) and filesize < 20KB
}

rule asp_write_probe_scanner
{
    meta:
        id          = "ferret.asp.write_probe_scanner"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "ASP page walks folders creating and deleting a probe file in each to list writable directories (web-shell reconnaissance)"

    strings:
        $p1   = /\.createtextfile[ \t]*\(?[ \t]*[a-z_]\w{0,20}[ \t]*&[ \t]*("\\?\w{1,12}\.\w{1,4}"|\w{1,10}\.gettempname)/ nocase
        $p2   = /=[^\r\n]{0,60}&[ \t]*\w{1,10}\.gettempname/ nocase
        $new  = /\.createtextfile[ \t]*\(/ nocase
        $del  = /\.deletefile[ \t]*[( ]/ nocase
        $walk = /\.subfolders\b/ nocase

    condition:
        ($p1 or ($p2 and $new)) and $del and $walk
}

rule asp_fso_path_browser
{
    meta:
        id          = "ferret.asp.fso_path_browser"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "FileSystemObject browser over any server path taken from the request (drive roots or .Drives), reading or copying files: web-shell file browser"

    strings:
        $fso   = /filesystemobject|"scr"[ \t]*&/ nocase
        $gf    = /\.getfolder[ \t]*\([ \t]*[a-z_]/ nocase
        $req   = /[a-z_]\w{0,20}[ \t]*=[ \t]*(replace[ \t]*\([ \t]*|trim[ \t]*\([ \t]*)?request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase
        $root  = /=[ \t]*"[a-z]:\\\\?"/ nocase
        $drv   = /\.drives\b/ nocase
        $read  = /\.readall\b/ nocase
        $op    = /\.(copyfolder|copyfile|movefile|movefolder|deletefile|deletefolder)[ \t]*\(?[ \t]*request/ nocase

    condition:
        $fso and $gf and $req and ($root or $drv) and ($read or $op)
}

rule asp_script_drop_run
{
    meta:
        id          = "ferret.asp.script_drop_run"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ASP page writes a script or program to an absolute path on the server and launches it with WScript.Shell (dropper / downloader stager)"

    strings:
        $wsh  = "wscript.shell" nocase
        $drop = /createtextfile[ \t]*\([ \t]*"[a-z]:\\[^"\r\n]{1,80}\.(vbs|vbe|js|jse|bat|cmd|ps1|hta|exe)"/ nocase
        $run  = /\.run[ \t]*\(?[ \t]*"[a-z]:\\[^"\r\n]{1,80}\.(vbs|vbe|js|jse|bat|cmd|ps1|hta|exe|zip)"/ nocase

    condition:
        $wsh and $drop and $run
}

rule asp_timestomp
{
    meta:
        id          = "ferret.asp.timestomp"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Shell.Application used to rewrite a file's modification date from request input (timestomping to hide a planted file)"

    strings:
        $sa  = /shell\.application/ nocase
        $pn  = /\.parsename[ \t]*\(/ nocase
        $md  = /\.modifydate[ \t]*=/ nocase

    condition:
        $sa and $pn and $md
}

rule asp_drive_path_form
{
    meta:
        id          = "ferret.asp.drive_path_form"
        technique   = "T1505.003"
        severity    = "low"
        score       = 20
        description = "HTML form field pre-filled with a server drive root (C:\\) next to upload/file-write code: a web-shell style target-path prompt"

    strings:
        $in   = /<input[^>]{0,80}value[ \t]*=[ \t]*["']?[a-z]:\\["'> ]/ nocase
        $up1  = /request\.binaryread/ nocase
        $up2  = /\.(createtextfile|savetofile)\b/ nocase

    condition:
        $in and $up1 and $up2
}

rule asp_self_modifying_page
{
    meta:
        id          = "ferret.asp.self_modifying_page"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "ASP page opens its own script file (SCRIPT_NAME / PATH_TRANSLATED) for writing and appends request-derived text to it (self-modifying page: code injection or defacement)"

    strings:
        $self1 = /[a-z_]\w{0,20}[ \t]*=[ \t]*request\.servervariables[ \t]*\([ \t]*"(script_name|path_translated|path_info|url)"/ nocase
        $self2 = /opentextfile[ \t]*\([ \t]*(server\.mappath[ \t]*\([ \t]*)?request\.servervariables[ \t]*\([ \t]*"(script_name|path_translated|path_info|url)"/ nocase
        $open  = /\.opentextfile[ \t]*\([ \t]*(server\.mappath[ \t]*\([ \t]*)?[a-z_]\w{0,20}[ \t]*\)?[ \t]*,[ \t]*(8|2)[ \t]*[,)]/ nocase
        $write = /\.write(line)?[ \t]*\(?[ \t]*[a-z_]/ nocase
        $req   = /request[ \t]*\.[ \t]*form[ \t]*\(/ nocase

    condition:
        filesize < 20KB and (($self1 and $open) or $self2) and $write and $req
}

rule asp_mswc_tools_writer
{
    meta:
        id          = "ferret.asp.mswc_tools_writer"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "MSWC.Tools ProcessForm used with request-chosen paths to copy/write files without FileSystemObject (mass index replacement / dropper trick)"

    strings:
        $t  = "mswc.tools" nocase
        $pf = /\.processform[ \t]*\(?[ \t]*[a-z_]\w{0,20}[ \t]*,[ \t]*[a-z_]/ nocase
        $rq = /request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase

    condition:
        $t and $pf and $rq
}

rule asp_http_relay
{
    meta:
        id          = "ferret.asp.http_relay"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Server-side open HTTP relay: fetches a URL taken from the query string with XMLHTTP, forwards the client's cookies/form data and writes the remote body back (proxy planted in the web root)"

    strings:
        $obj  = /(microsoft|msxml2)\.(server)?xmlhttp|winhttp\.winhttprequest/ nocase
        $url  = /[a-z_]\w{0,20}[ \t]*=[ \t]*(string[ \t]*\([ \t]*)?request\.querystring[ \t]*\([ \t]*"url"/ nocase
        $fwd1 = /setrequestheader[ \t]*\([ \t]*"cookie"/ nocase
        $fwd2 = /\.send[ \t]*\(?[ \t]*[a-z_]\w{0,20}/ nocase
        $form = /request\.form\b/ nocase
        $back = /response\.binarywrite[ \t]*\(?[ \t]*[a-z_]\w{0,20}\.responsebody/ nocase

    condition:
        $obj and $url and $fwd1 and $fwd2 and $form and $back
}

rule asp_xmlhttp_local_read
{
    meta:
        id          = "ferret.asp.xmlhttp_local_read"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "XMLHTTP pointed at a server-local path (default APPL_PHYSICAL_PATH) typed by the client, echoing the file: local file reader without FileSystemObject"

    strings:
        $obj  = /(microsoft|msxml2)\.(server)?xmlhttp/ nocase
        $phys = /=[ \t]*request\.servervariables[ \t]*\([ \t]*"appl_physical_path"/ nocase
        $open = /\.open[ \t]*\(?[ \t]*"get"[ \t]*,[ \t]*(""[ \t]*&[ \t]*)?[a-z_]\w{0,20}/ nocase
        $out  = /\.responsetext/ nocase

    condition:
        $obj and $phys and $open and $out
}
