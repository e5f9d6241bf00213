// Class loading of attacker-supplied bytecode: Behinder, Godzilla, AntSword/Cknife loaders,
// BCEL/URLClassLoader/ASM tricks.

rule jsp_custom_classloader_defineclass
{
    meta:
        id          = "ferret.jsp.custom_classloader_defineclass"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "A JSP page declares its own ClassLoader subclass that calls defineClass, used to load bytecode sent by the attacker (Behinder/Godzilla style)"
    strings:
        $ctx1 = "<%!"
        $ctx2 = "jsp:declaration"
        $ctx3 = "<%"
        $ctx4 = "jsp:scriptlet"
        $sub1 = /class\s+\w{1,40}\s+extends\s+(java\.lang\.)?ClassLoader\b/
        $sub2 = /new\s+(java\.lang\.)?ClassLoader\s*\([^)]{0,80}\)\s*\{/
        $d1 = "defineClass("
        $d2 = /defineClass\s*\(/
        $j1 = "pageContext"
        $j2 = /\b(request|session|application|response)\s*\.\s*\w+\s*\(/
    condition:
        any of ($ctx*) and any of ($j*) and any of ($sub*) and any of ($d*)
}

rule jsp_crypto_classloader
{
    meta:
        id          = "ferret.jsp.crypto_classloader"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "JSP page decrypts or decodes the request body and defines a class from it (encrypted class-loading web shell such as Behinder, Godzilla)"
        family      = "Behinder/Godzilla"
    strings:
        $r1 = /\b(request|req)\s*\.\s*get(Parameter|InputStream|Reader)\s*\(/
        $r2 = "getRequest().getInputStream()"
        $r3 = "getRequest().getReader()"
        $k1 = /Cipher\s*\.\s*getInstance\s*\(/
        $k2 = "SecretKeySpec"
        $d1 = /defineClass\s*\(/
        $x1 = /equals\s*\(\s*(pageContext|new\s+Object\s*\[)/
        $x2 = /session\.(putValue|setAttribute)\s*\(/
        $x3 = "newInstance()"
        $b1 = /BASE64Decoder|Base64\s*\.\s*getDecoder|base64Decode|DatatypeConverter\.parseBase64Binary|Base64\.decode/
    condition:
        any of ($r*) and $d1 and (any of ($k*) or $b1) and any of ($x*)
}

rule jsp_behinder_pagecontext
{
    meta:
        id          = "ferret.jsp.behinder_pagecontext"
        technique   = "T1505.003"
        severity    = "critical"
        score       = 100
        description = "Behinder/Godzilla-style pattern: an instance of a freshly defined class is handed pageContext via equals(), with AES-decrypted request data"
        family      = "Behinder/Godzilla"
    strings:
        $a = /newInstance\s*\(\s*\)\s*\.\s*equals\s*\(\s*(pageContext|request|new\s+Object\s*\[\s*\]\s*\{\s*request)/
        $b = /\.\s*equals\s*\(\s*pageContext\s*\)/
        $k = /Cipher\s*\.\s*getInstance\s*\(/
        $d = /defineClass\s*\(/
        $s = /session\.(putValue|setAttribute|getAttribute|getValue)\s*\(/
    condition:
        ($a or $b) and ($k or $d) and ($d or $s)
}

rule jsp_embedded_class_bytes
{
    meta:
        id          = "ferret.jsp.embedded_class_bytes"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page carries compiled Java bytecode (base64 yv66vg, hex CAFEBABE or $$BCEL$$) and loads it at runtime"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $e1 = "yv66vgAAA"
        $e2 = /["']cafebabe0000/ nocase
        $e3 = "$$BCEL$$"
        $e4 = /36\s*,\s*36\s*,\s*66\s*,\s*67\s*,\s*69\s*,\s*76\s*,\s*36\s*,\s*36/
        $e5 = /-54\s*,\s*-2\s*,\s*-70\s*,\s*-66\s*,/
        $e6 = /"UEsDB[A-Za-z0-9+\/]{200}/
        $l1 = /defineClass\d?\s*\(/
        $l2 = "defineAnonymousClass"
        $l3 = "loadClass("
        $l4 = "newInstance("
        $l5 = "installClass"
        $l6 = "readObject("
        $l7 = "ServiceFinder"
        $l8 = /Files\s*\.\s*write\s*\(/
        $l9 = "URLClassLoader"
    condition:
        any of ($ctx*) and (any of ($e1, $e2, $e3, $e4, $e5) and any of ($l*) or ($e6 and $l9))
}

rule jsp_bytecode_generation_exec
{
    meta:
        id          = "ferret.jsp.bytecode_generation_exec"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page generates or compiles Java code at runtime (ASM ClassWriter, javax.tools compiler) that calls Runtime.exec"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $g1 = "visitMethodInsn"
        $g2 = "getSystemJavaCompiler"
        $g3 = "CtClass"
        $g4 = "ClassPool"
        $x1 = "\"java/lang/Runtime\""
        $x2 = "Runtime.getRuntime().exec("
        $x3 = "\"java/lang/ProcessBuilder\""
    condition:
        any of ($ctx*) and any of ($g*) and any of ($x*)
}

rule jsp_remote_or_request_classloading
{
    meta:
        id          = "ferret.jsp.request_classloading"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page loads a class from a URL or from request-supplied bytes (URLClassLoader, BCEL ClassLoader, TemplatesImpl) and instantiates it"
    strings:
        $r1 = /\b(request|req)\s*\.\s*get(Parameter|Header|InputStream|Reader)\s*\(/
        $ctx = "<%"
        $u1 = /new\s+(java\.net\.)?URLClassLoader\s*\(\s*new\s+(java\.net\.)?URL\s*\[\s*\]\s*\{\s*new\s+(java\.net\.)?URL\s*\(\s*"(https?|ftp|file|jar):/
        $u2 = "com.sun.org.apache.bcel.internal.util.ClassLoader"
        $u3 = "_bytecodes"
        $u4 = /new\s+(java\.net\.)?URLClassLoader\s*\([^;]{0,80}\.getParameter\s*\(/
        $n1 = "newInstance("
        $n2 = "loadClass("
        $n3 = "newTransformer"
        $n4 = "getOutputProperties"
    condition:
        $r1 and $ctx and any of ($u*) and any of ($n*)
}

rule jsp_templatesimpl_gadget
{
    meta:
        id          = "ferret.jsp.templatesimpl_gadget"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "JSP page uses the Xalan TemplatesImpl gadget (or a deserialization gadget) to turn embedded bytecode into a running class"
    strings:
        $ctx1 = "<%"
        $ctx2 = "jsp:scriptlet"
        $t = "xsltc.trax.TemplatesImpl"
        $u1 = "_bytecodes"
        $u2 = /newTransformer\s*\(|getOutputProperties\s*\(/
        $u3 = /readObject\s*\(\s*\)/
        $u4 = /(yv66vg|rO0AB)/
    condition:
        any of ($ctx*) and $t and any of ($u*)
}
