// Memory-shell loaders: JSP pages that register Filters, Servlets, Listeners, Valves,
// WebSocket endpoints or controllers into the running container, or define classes through Unsafe.

rule jsp_memshell_tomcat_filter
{
    meta:
        id          = "ferret.jsp.memshell_tomcat_filter"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "JSP page injects a Filter into the running Tomcat context (FilterDef/FilterMap/ApplicationFilterConfig via StandardContext), a memory-resident web shell loader"
        family      = "Memory shell"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $ctx3 = /\b(request|req)\s*\.\s*get(Parameter|Header|Session|ServletContext)\s*\(/
        $f1 = "FilterDef"
        $f2 = "FilterMap"
        $f3 = "ApplicationFilterConfig"
        $f4 = "filterConfigs"
        $f5 = /addFilterMap(Before)?\s*\(/
        $f6 = "addFilterDef"
        $sc1 = "StandardContext"
        $sc2 = "ApplicationContext"
        $sc3 = /getDeclaredField\s*\(\s*"context"\s*\)/
    condition:
        any of ($ctx*) and 3 of ($f*) and any of ($sc*)
}

rule jsp_memshell_servlet_listener_valve
{
    meta:
        id          = "ferret.jsp.memshell_servlet_listener_valve"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "JSP page adds a Servlet, request Listener or Valve to the running container at runtime (memory-resident web shell loader)"
        family      = "Memory shell"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $s1 = /createWrapper\s*\(\s*\)/
        $s2 = /addServletMapping(Decoded)?\s*\(/
        $s3 = /addChild\s*\(/
        $l1 = /addApplicationEventListener\s*\(/
        $l2 = "ServletRequestListener"
        $v1 = /getPipeline\s*\(\s*\)\s*\.\s*addValve\s*\(/
        $v2 = "extends ValveBase"
        $v3 = /addValve\s*\(/
        $tc1 = "StandardContext"
        $tc2 = "ApplicationContext"
        $tc3 = "StandardHost"
        $tc4 = "WebappClassLoaderBase"
        $tc5 = "getStandardContext"
    condition:
        any of ($ctx*) and any of ($tc*) and (
            ($s1 and ($s2 or $s3)) or
            ($l1 and $l2) or
            $v1 or ($v2 and $v3)
        )
}

rule jsp_memshell_websocket_endpoint
{
    meta:
        id          = "ferret.jsp.memshell_websocket_endpoint"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page registers a WebSocket endpoint at runtime (ServerEndpointConfig + ServerContainer.addEndpoint), used by WebSocket memory shells and proxies"
        family      = "Memory shell"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $a = /ServerEndpointConfig\s*\.\s*Builder\s*\.\s*create\s*\(/
        $b1 = /\.\s*addEndpoint\s*\(/
        $b2 = /container\s*\.\s*register\s*\(/
        $b3 = "ServerContainer"
    condition:
        any of ($ctx*) and $a and any of ($b*)
}

rule jsp_memshell_other_containers
{
    meta:
        id          = "ferret.jsp.memshell_other_containers"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "JSP page injects a filter/servlet/controller into WebLogic, Jetty, Resin, JBoss/Undertow or Spring at runtime (memory-resident web shell loader)"
        family      = "Memory shell"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $w1 = "registerFilter"
        $w2 = "FilterManager"
        $w3 = "ServletStubImpl"
        $w4 = "WebAppServletContext"
        $j1 = /getServletHandler\s*\(\s*\)\s*\.\s*add(Filter|Servlet)(WithMapping)?\s*\(/
        $j2 = "ServletHandler"
        $u1 = "DeploymentInfo"
        $u2 = /addFilter(Url|Servlet)Mapping\s*\(/
        $sp1 = "RequestMappingHandlerMapping"
        $sp2 = /registerMapping\s*\(|detectHandlerMethods/
        $sp3 = "RequestMappingInfo"
    condition:
        any of ($ctx*) and (
            ($w1 and ($w2 or $w4)) or
            ($w3 and $w4 and ($w1 or $w2)) or
            ($j1 and $j2) or
            ($u1 and $u2) or
            ($sp1 and $sp2 and $sp3)
        )
}

rule jsp_unsafe_defineclass
{
    meta:
        id          = "ferret.jsp.unsafe_defineclass"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page grabs sun.misc.Unsafe or JDK internals to define classes (defineAnonymousClass/defineClass), Lookup.defineClass or Proxy.defineClass0, to load hidden bytecode"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $u1 = "theUnsafe"
        $u2 = "defineAnonymousClass"
        $u3 = /"defineClass0?"/
        $u4 = "privateLookupIn"
        $d1 = /defineClass\s*\(/
        $d2 = "allocateInstance"
        $d3 = /getDeclaredMethod\s*\(\s*"defineClass/
        $d4 = /\.\s*invoke\s*\(/
        $j1 = "pageContext"
        $j2 = /\b(request|session|application|response)\s*\.\s*\w+\s*\(/
    condition:
        any of ($ctx*) and any of ($j*) and (
            ($u1 and any of ($d*, $u2)) or
            ($u2) or
            ($u3 and $d4) or
            ($u4 and $d1)
        )
}

rule jsp_agent_or_jasper_hijack
{
    meta:
        id          = "ferret.jsp.agent_or_jasper_hijack"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page attaches a Java agent / redefines loaded classes, or swaps Jasper's JspServletWrapper to hide a shell behind another page"
        family      = "Memory shell"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $a1 = /VirtualMachine\s*\.\s*attach\s*\(/
        $a2 = /loadAgent\s*\(/
        $a3 = /(redefineClasses|retransformClasses)\s*\(/
        $a4 = "ClassFileTransformer"
        $j1 = "JspServletWrapper"
        $j2 = "JspRuntimeContext"
        $j3 = /addWrapper\s*\(/
    condition:
        any of ($ctx*) and (($a1 and $a2) or ($a3 and $a4) or ($j1 and $j2 and $j3))
}
