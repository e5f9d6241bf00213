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
        $op   = /\.(createtextfile|opentextfile|deletefile|deletefolder|copyfile|movefile)[ \t]*\(/ nocase
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
