// ASP.NET: web-shell kit capabilities (SQL consoles, drive browsers, write-probe scanners, sniffers,
// tunnels, machineKey theft, Chopper "customize" server scripts).

rule aspx_sql_console
{
    meta:
        id          = "ferret.aspx.sql_console"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "ASP.NET page opens a database with a connection string typed by the client and runs client-typed SQL (database console of a web-shell kit)"

    strings:
        $cs1  = /ConnectionString[ \t]*=[ \t]*([^;\r\n]{1,60}\+[ \t]*)?[a-z_]\w{0,30}\.(Text|Value)\b/ nocase
        $cs2  = /ConnectionString[ \t]*=[ \t]*(Context\.|context\.)?Request/ nocase
        $cs3  = /new[ \t]+(Sql|OleDb|Odbc)Connection[ \t]*\([ \t]*([a-z_]\w{0,30}\.(Text|Value)|(Context\.|context\.)?Request)/ nocase
        $cmd1 = /new[ \t]+(Sql|OleDb|Odbc)Command[ \t]*\([ \t]*([a-z_]\w{0,30}\.(Text|Value|SelectedValue|SelectedItem\.Value)|(Context\.|context\.)?Request)/ nocase
        $cmd2 = /\.CommandText[ \t]*=[ \t]*([a-z_]\w{0,30}\.(Text|Value)|(Context\.|context\.)?Request)/ nocase
        $exec = /\.(ExecuteReader|ExecuteNonQuery|Fill)[ \t]*\(/ nocase

    condition:
        any of ($cs*) and any of ($cmd*) and $exec
}

rule aspx_sql_table_dumper
{
    meta:
        id          = "ferret.aspx.sql_table_dumper"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "ASP.NET page builds a connection string from typed server/user/password, selects a typed table and exports all rows to a file (database dumper)"

    strings:
        $cs   = /"(server|data source)[ \t]*=[ \t]*"[ \t]*\+[ \t]*[a-z_][\w.]{0,30}[ \t]*\+[ \t]*";[^"]{0,20}=[ \t]*"[ \t]*\+/ nocase
        $sel  = /"select[ \t]+\*[ \t]+from[ \t]+"[ \t]*\+[ \t]*[a-z_]/ nocase
        $out  = /new[ \t]+(System\.IO\.)?StreamWriter[ \t]*\(|File\.(WriteAllText|AppendAllText)[ \t]*\(/

    condition:
        $cs and $sel and $out
}

rule aspx_sql_cmdshell
{
    meta:
        id          = "ferret.aspx.sql_cmdshell"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "ASP.NET page drives SQL Server xp_cmdshell / sp_oacreate / OLE automation (OS commands through the database)"

    strings:
        $x1 = /xp_cmdshell/ nocase
        $x2 = /sp_oacreate/ nocase
        $x3 = /sp_configure[^\r\n]{0,40}(xp_cmdshell|Ole Automation)/ nocase
        $db = /(Sql|OleDb)Connection/ nocase

    condition:
        $db and 2 of ($x*)
}

rule aspx_drive_browser
{
    meta:
        id          = "ferret.aspx.drive_browser"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "ASP.NET page lists every server drive and browses/downloads arbitrary paths taken from the request (web-shell file browser)"

    strings:
        $drv  = /(Environment|Directory)\.GetLogicalDrives[ \t]*\(|DriveInfo\.GetDrives[ \t]*\(/
        $par  = /(Request(\.Params|\.QueryString|\.Form)?[ \t]*[\[(][^\])]{1,30}[\])]|\.Text\b)/
        $dir  = /new[ \t]+(System\.IO\.)?DirectoryInfo[ \t]*\([ \t]*[a-z_]/ nocase
        $get1 = /\.(GetDirectories|GetFiles)[ \t]*\(/
        $io1  = /(Response\.(WriteFile|TransmitFile|BinaryWrite)|File\.(Delete|Move|Copy|WriteAllText|WriteAllBytes|ReadAllBytes|OpenRead)|\.SaveAs)[ \t]*\(/

    condition:
        $drv and $par and $dir and $get1 and $io1
}

rule aspx_write_probe_scanner
{
    meta:
        id          = "ferret.aspx.write_probe_scanner"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "ASP.NET page walks directories creating and deleting a probe file in each one to find writable folders (web-shell reconnaissance)"

    strings:
        $create = /(File\.Create|File\.WriteAllText|new[ \t]+FileStream)[ \t]*\([^;\r\n]{1,60}\+[ \t]*"\\\\\w{1,12}(\.\w{1,4})?"/ nocase
        $del    = /(File\.Delete)[ \t]*\([^;\r\n]{1,60}\+[ \t]*"\\\\\w{1,12}(\.\w{1,4})?"/ nocase
        $walk   = /\.GetDirectories[ \t]*\(/

    condition:
        $create and $del and $walk
}

rule aspx_registry_hive_walk
{
    meta:
        id          = "ferret.aspx.registry_hive_walk"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "ASP.NET page enumerates all registry hives (LocalMachine, Users, ClassesRoot, CurrentConfig), as web-shell registry browsers and scanners do"

    strings:
        $h1 = "Registry.ClassesRoot"
        $h2 = "Registry.CurrentConfig"
        $h3 = "Registry.LocalMachine"
        $h4 = "Registry.Users"
        $h5 = "Registry.CurrentUser"

    condition:
        4 of them
}

rule aspx_registry_crawl
{
    meta:
        id          = "ferret.aspx.registry_crawl"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Web page crawls every registry hive recursively and prints the values it finds (web-shell reconnaissance for paths and credentials)"

    strings:
        $h1 = "Registry.ClassesRoot"
        $h2 = "Registry.CurrentConfig"
        $h3 = "Registry.LocalMachine"
        $h4 = "Registry.Users"
        $h5 = "Registry.CurrentUser"
        $sub = /\.GetSubKeyNames[ \t]*\(/
        $val = /\.GetValueNames[ \t]*\(/
        $open = /\.OpenSubKey[ \t]*\(/
        $out = /Response\.Write[ \t]*\(|\.Text[ \t]*\+=/

    condition:
        4 of ($h*) and $sub and $val and $open and $out
}

rule aspx_raw_socket_sniffer
{
    meta:
        id          = "ferret.aspx.raw_socket_sniffer"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Web page opens a raw IP socket in promiscuous mode (SIO_RCVALL) to sniff the server's traffic"

    strings:
        $raw = /SocketType\.Raw/
        $all = /IOControlCode\.ReceiveAll|SIO_RCVALL|0x98000001/
        $bind = /\.Bind[ \t]*\(/
        $web = /(Request(\.Form|\.QueryString|\.Params)?[ \t]*[\[(]|runat[ \t]*=[ \t]*"?server)/ nocase

    condition:
        $raw and $all and $bind and $web
}

rule aspx_chopper_customize
{
    meta:
        id          = "ferret.aspx.chopper_customize"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "China Chopper 'customize' server script: a switch on the password parameter with Z1/Z2 request arguments implementing drive listing, file, SQL and command actions"
        family      = "China Chopper"

    strings:
        $z1   = /Request(\.Form|\.Item)?[ \t]*[\[(][ \t]*"z1"/ nocase
        $z2   = /Request(\.Form|\.Item)?[ \t]*[\[(][ \t]*"z2"/ nocase
        $sw   = /switch[ \t]*\([ \t]*z[ \t]*\)|select[ \t]+case[ \t]+z\b/ nocase
        $drv  = /GetLogicalDrives|\.Drives\b/ nocase
        $case = /case[ \t]+"[A-Q]"/

    condition:
        $z1 and $z2 and ($sw or $drv) and #case > 4
}

rule aspx_upload_beside_page
{
    meta:
        id          = "ferret.aspx.upload_beside_page"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Uploaded file saved under its client-supplied name into the page's own directory or a path typed by the client (web-shell uploader)"

    strings:
        $f1   = /Request\.Files[ \t]*\[/
        $f2   = /\.PostedFile\b|HttpPostedFile\b|\.HasFile\b/
        $here = /new[ \t]+FileInfo[ \t]*\([ \t]*Request\.PhysicalPath|Path\.GetDirectoryName[ \t]*\([ \t]*Request\.PhysicalPath/
        $typed = /\.SaveAs[ \t]*\([ \t]*[a-z_]\w{0,30}\.Text[ \t]*\+/ nocase
        $name = /Path\.GetFileName[ \t]*\([ \t]*[a-z_][\w.]{0,40}\.FileName[ \t]*\)/ nocase
        $save = /\.SaveAs[ \t]*\(|FileMode\.Create/

    condition:
        ($f1 or $f2) and ($here or $typed) and $name and $save
}

rule aspx_request_file_writer
{
    meta:
        id          = "ferret.aspx.request_file_writer"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "ASP.NET page writes request-supplied content to a file path that is also supplied by the request (web-shell dropper)"

    strings:
        $w1 = /new[ \t]+(System\.IO\.)?StreamWriter[ \t]*\([ \t]*(Server\.MapPath[ \t]*\([ \t]*)?Request(\.Form|\.QueryString|\.Item|\.Params)?[ \t]*[\[(]/ nocase
        $w2 = /File\.(WriteAllText|WriteAllBytes|AppendAllText)[ \t]*\([ \t]*(Server\.MapPath[ \t]*\([ \t]*)?Request(\.Form|\.QueryString|\.Item|\.Params)?[ \t]*[\[(][^;]{1,60},[ \t]*(Request|Convert\.FromBase64String[ \t]*\([ \t]*Request)/ nocase
        $c1 = /\.write(line)?[ \t]*\([ \t]*Request(\.Form|\.QueryString|\.Item|\.Params)?[ \t]*[\[(]/ nocase

    condition:
        ($w1 and $c1) or $w2
}

rule aspx_tunnel_socks
{
    meta:
        id          = "ferret.aspx.tunnel_socks"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Web page relays TCP traffic for the client: a socket opened to a host/port from request headers or parameters and fed with the request body (reGeorg / Neo-reGeorg style tunnel)"
        family      = "reGeorg"

    strings:
        $hdr1 = /Request\.Headers\s*(\.Get\s*\()?\s*\[?\s*"X-(CMD|TARGET|PORT|STATUS|ERROR)/ nocase
        $hdr2 = /Response\.AddHeader\s*\(\s*"X-(STATUS|ERROR)"/ nocase
        $cmd1 = /"(CONNECT|DISCONNECT|READ|FORWARD)"/
        $sock = /new[ \t]+Socket[ \t]*\(|new[ \t]+TcpClient[ \t]*\(|\.Connect[ \t]*\(/
        $sess = /Session[ \t]*\[[ \t]*"[^"]{1,20}"[ \t]*\][ \t]*=[ \t]*[a-z_]\w{0,20}/ nocase
        $body = /Request\.(BinaryRead|InputStream)/

    condition:
        $sock and $body and (($hdr1 and ($hdr2 or #cmd1 > 2)) or (#cmd1 > 3 and $sess))
}

rule aspx_machinekey_dump
{
    meta:
        id          = "ferret.aspx.machinekey_dump"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Page reads the ASP.NET machineKey (ValidationKey/DecryptionKey) through MachineKeySection or reflection and writes it to the response: key theft for ViewState forgery (SharePoint ToolShell spinstall0 style)"

    strings:
        $mk1 = "MachineKeySection" nocase
        $mk2 = /GetApplicationConfig|GetSection[ \t]*\([ \t]*"system\.web\/machineKey"/ nocase
        $k1  = "ValidationKey" nocase
        $k2  = "DecryptionKey" nocase
        $out = /Response\.Write|Response\.Output/ nocase
        $asp = /<%@|runat[ \t]*=[ \t]*"?server|IHttpHandler/ nocase

    condition:
        $asp and ($mk1 or $mk2) and $k1 and $k2 and $out and filesize < 50KB
}
