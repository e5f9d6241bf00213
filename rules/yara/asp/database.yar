// Classic ASP: database browsers / dumpers (connection string and SQL both supplied by the client).

rule asp_db_request_connection
{
    meta:
        id          = "ferret.asp.db_request_connection"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "ADODB connection opened with a connection string taken from the request or session (database browser of a web-shell kit)"

    strings:
        $ado   = "adodb.connection" nocase
        $ado2  = /"adodb\."[ \t]*&|"ado"[ \t]*&/ nocase
        $open1 = /\.open[ \t]*\(?[ \t]*(request|session)[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase
        $open2 = /connectionstring[ \t]*=[ \t]*(request|session)[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase
        $open3 = /(provider|data source|dsn)=[^\r\n]{0,10}"[ \t]*&[ \t]*(request|session)[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase

    condition:
        ($ado or $ado2) and any of ($open*)
}

rule asp_db_schema_dump
{
    meta:
        id          = "ferret.asp.db_schema_dump"
        technique   = "T1505.003"
        severity    = "low"
        score       = 25
        description = "ASP page lists database tables via OpenSchema and runs SQL typed by the client"

    strings:
        $schema = /\.openschema[ \t]*\([ \t]*(20|4|adschematables)/ nocase
        $sql    = /\.execute[ \t]*\(?[ \t]*(request|session)[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase
        $sql2   = /(sql|str|query)\w{0,10}[ \t]*=[ \t]*(trim[ \t]*\([ \t]*)?request[ \t]*(\.[ \t]*(form|querystring|item))?[ \t]*\(/ nocase

    condition:
        $schema and ($sql or $sql2)
}

rule asp_db_console
{
    meta:
        id          = "ferret.asp.db_console"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "ASP database console: connection string assembled from client-typed server/user/password, system-catalog enumeration and xp_cmdshell or destructive DDL actions"

    strings:
        $cs   = /(server|data source)=["' \t]*&[ \t]*[a-z_]\w{0,20}[ \t]*&[ \t]*"[^"\r\n]{0,30}(user id|uid)=["' \t]*&[ \t]*[a-z_]\w{0,20}[ \t]*&[ \t]*"[^"\r\n]{0,10}(password|pwd)=/ nocase
        $enum = /sysobjects|sysdatabases|sys\.databases|information_schema\.tables|\.openschema/ nocase
        $x1   = /xp_cmdshell/ nocase
        $x2   = /"(drop|truncate)[ \t]+table[ \t]+"[ \t]*&/ nocase

    condition:
        $cs and $enum and ($x1 or $x2)
}
