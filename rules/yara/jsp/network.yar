// Tunnels (reGeorg / Neo-reGeorg / Suo5 style), reverse shells and port scanners in JSP.

rule jsp_regeorg_tunnel
{
    meta:
        id          = "ferret.jsp.regeorg_tunnel"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "JSP page implements an HTTP-to-TCP tunnel: it opens sockets/SocketChannels to a request-chosen host and port and relays request bodies (reGeorg, Neo-reGeorg family)"
        family      = "reGeorg"
    strings:
        $r1 = /request\.get(Header|Parameter)\s*\(/
        $r2 = /\.getHeader\s*\(/
        $s1 = /SocketChannel\s*\.\s*open\s*\(/
        $s2 = "InetSocketAddress"
        $s3 = /new\s+(java\.net\.)?Socket\s*\(/
        $c1 = "\"CONNECT\""
        $c2 = "\"DISCONNECT\""
        $c3 = "\"FORWARD\""
        $c4 = "\"READ\""
        $c5 = "X-CMD"
        $c6 = "X-STATUS"
        $c7 = "X-ERROR"
        $c8 = /session\s*\.\s*(setAttribute|putValue)\s*\([^;]{0,40}(socket|Socket|Channel|channel)/
        $c9 = "configureBlocking"
    condition:
        any of ($r*) and any of ($s*) and 3 of ($c*)
}

rule jsp_reverse_shell
{
    meta:
        id          = "ferret.jsp.reverse_shell"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "JSP page connects a socket to a remote host and pipes a command interpreter's streams through it (reverse / back-connect shell)"
    strings:
        $ctx1 = "<%"
        $ctx2 = /\b(request|req)\s*\.\s*getParameter\s*\(/
        $ctx3 = "jsp:scriptlet"
        $s1 = /new\s+(java\.net\.)?Socket\s*\(/
        $e1 = /\.\s*exec\s*\(/
        $e2 = /ProcessBuilder\s*\(/
        $i1 = /(cmd\.exe|\/bin\/sh|\/bin\/bash|"sh"|"bash"|"cmd")/
        $p1 = /\.\s*getInputStream\s*\(\s*\)/
        $p2 = /\.\s*getOutputStream\s*\(\s*\)/
        $p3 = /extends\s+Thread|implements\s+Runnable|new\s+Thread\s*\(/
    condition:
        any of ($ctx*) and $s1 and any of ($e*) and $i1 and $p1 and $p2 and $p3
}

rule jsp_request_socket_relay
{
    meta:
        id          = "ferret.jsp.request_socket_relay"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "JSP page opens raw sockets to hosts/ports taken from the request (port scanning or traffic relay through the web server)"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $p = /\.getParameter\s*\(\s*"[^"]{0,20}(port|Port|PORT|ip|IP|host|Host|HOST)[^"]{0,10}"\s*\)/
        $s1 = /new\s+(java\.net\.)?Socket\s*\(\s*\w{1,30}(\[\s*\d\s*\])?\s*,\s*(Integer\s*\.\s*parseInt|\(?\s*new\s+Integer|\w{1,30}\s*\))/
        $s2 = /SocketChannel\s*\.\s*open\s*\(/
        $s3 = /\.\s*connect\s*\(\s*new\s+(java\.net\.)?InetSocketAddress\s*\(/
        $t1 = /new\s+Thread\s*\(|extends\s+Thread|implements\s+Runnable|ExecutorService/
        $t2 = /\.\s*split\s*\(\s*"[,\-]"\s*\)/
    condition:
        any of ($ctx*) and #p >= 2 and any of ($s*) and any of ($t*)
}
