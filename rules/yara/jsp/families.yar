// Known JSP web-shell families, matched on their protocol and structure rather than on any one copy.

rule jsp_chopper_server
{
    meta:
        id          = "ferret.jsp.chopper_server"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "JSP server side of China Chopper / Cknife / AntSword custom script: '->|' ... '|<-' framed replies and single-letter action dispatch on z0/z1/z2 parameters"
        family      = "China Chopper"
    strings:
        $m1 = /"->\|"|"->"\s*\+\s*"\|"|"-"\s*\+\s*">\|"/
        $m2 = /"\|<-"|"\|"\s*\+\s*"<-"|"\|<"\s*\+\s*"-"/
        $z1 = /getParameter\s*\(\s*"z[0-9]"\s*\)/
        $d = /\.equals\s*\(\s*"[A-Z]"\s*\)/
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
    condition:
        any of ($ctx*) and $m1 and $m2 and ($z1 or #d >= 6)
}
