// Database browsers and dumpers in JSP.

rule jsp_request_db_connection
{
    meta:
        id          = "ferret.jsp.request_db_connection"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page opens a JDBC connection whose driver, URL or credentials come from the request and runs request-supplied SQL: a web database browser"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $g1 = /DriverManager\s*\.\s*getConnection\s*\([^;]{0,80}\.getParameter\s*\(/
        $g2 = /forName\s*\(\s*[^;]{0,30}\.getParameter\s*\(/
        $q1 = /\.\s*(executeQuery|executeUpdate|execute)\s*\(\s*[^;]{0,30}\.getParameter\s*\(/
        $q2 = /getMetaData\s*\(\s*\)\s*\.\s*get(Tables|Catalogs|Schemas)\s*\(/
        $q3 = /\.\s*(executeQuery|executeUpdate|execute)\s*\(\s*[a-zA-Z_]\w{0,30}\s*\)/
        $dm = "DriverManager"
        $pdb = /getParameter\s*\(\s*"[^"]{0,30}(driver|url|user|pass|jdbc|conn|dbname|host)[^"]{0,20}"\s*\)/ nocase
        $psql = /getParameter\s*\(\s*"[^"]{0,20}sql[^"]{0,20}"\s*\)/ nocase
        $sel = /"select\s+\*\s+from\s+["`]?\s*"\s*\+/ nocase
    condition:
        any of ($ctx*) and $dm and (
            (($g1 or $g2) and any of ($q*)) or
            (#pdb >= 2 and ($q1 or $sel or ($psql and $q3)))
        )
}

rule jsp_db_dumper
{
    meta:
        id          = "ferret.jsp.db_dumper"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "JSP page enumerates every database table and dumps each one (select * from + table name) to a file or the response: a data-theft script"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $dm = /DriverManager\s*\.\s*getConnection\s*\(/
        $t1 = /user_tab(_comments|les)|all_tables|dba_tables/ nocase
        $t2 = /show\s+tables/ nocase
        $t3 = /information_schema\s*\.\s*tables/ nocase
        $t4 = /\.\s*getTables\s*\(\s*null\s*,/
        $s1 = /"select\s+\*\s+from\s+"\s*\+/ nocase
        $s2 = /"select\s+\*\s+from\s+["`]?\s*"\s*\+/ nocase
        $o1 = /new\s+(java\.io\.)?(FileOutputStream|FileWriter|OutputStreamWriter|PrintWriter)\s*\(/
        $o2 = /limit\s*"?\s*\+/ nocase
        $o3 = /rownum/ nocase
    condition:
        any of ($ctx*) and $dm and any of ($t*) and any of ($s*) and any of ($o*)
}
