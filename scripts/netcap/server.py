#!/usr/bin/env python3
"""Test web server for the Ferret capture set: an ordinary shop site, and (with --shells) URIs that
ANSWER LIKE web shells but never execute anything (canned output from canned.py, framed the way
each family frames it; see families.py).

usage: server.py [--bind 127.0.0.1] [--ports 8080,8443] [--shells] [--beacon-count 10]
                 [--beacon-interval 2.0]

With --shells, a plain `?cmd=` request whose command names /dev/tcp/127.0.0.3/4444 (a reverse-shell
one-liner) makes THIS server process open an outbound TCP connection to 127.0.0.3:4444 and send a
few bytes every --beacon-interval seconds, --beacon-count times: the "web worker calling out".
"""
import argparse
import gzip
import json
import random
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import families
import shopsite

FILES = shopsite.build()
UPLOADS = {}
ARGS = None
RNG = random.Random(42)
BEACON_STARTED = threading.Event()

SHELLS = {
    "/uploads/shell.php": "chopper",
    "/wp-content/uploads/cache.php": "antsword",
    "/uploads/b.php": "behinder-php",
    "/images/x.jsp": "behinder-jsp",
    "/aspnet_client/system_web/a.aspx": "behinder-aspx",
    "/uploads/god.php": "godzilla-php",
    "/static/js/lib.jsp": "godzilla-jsp",
    "/uploads/cmd.php": "cmd-linux",
    "/aspnet_client/system_web/cmd.aspx": "cmd-windows",
}
COMPRESSIBLE = ("text/", "application/javascript", "application/json")


def beacon(count: int, interval: float):
    """The server process calls out: one TCP connection, a few bytes every `interval` seconds."""
    s = socket.socket()
    s.bind((ARGS.bind, 0))
    s.settimeout(5)
    try:
        s.connect(("127.0.0.3", 4444))
        for i in range(count):
            s.sendall(b"\x17\x03\x03\x00\x10" + bytes(RNG.getrandbits(8) for _ in range(16)))
            try:
                s.recv(64)
            except socket.timeout:
                pass
            time.sleep(interval)
    except OSError as e:
        print(f"server: beacon failed: {e}", file=sys.stderr)
    finally:
        s.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache/2.4.57"
    sys_version = "(Ubuntu)"

    def log_message(self, fmt, *a):
        if ARGS.verbose:
            sys.stderr.write("server: %s %s\n" % (self.client_address[0], fmt % a))

    # ---- plumbing
    def body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, ctype, data: bytes, extra=None, chunked=False, allow_gzip=True):
        if isinstance(data, str):
            data = data.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if self.path.split("?")[0].endswith(".php"):
            self.send_header("X-Powered-By", "PHP/8.1.2-1ubuntu2.14")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if allow_gzip and ctype.startswith(COMPRESSIBLE) and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            data = gzip.compress(data, mtime=0)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        if chunked and self.request_version == "HTTP/1.1":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            step = 1500
            for i in range(0, len(data), step):
                part = data[i : i + step]
                self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    def not_found(self):
        self.send(404, "text/html; charset=iso-8859-1", "<html><head><title>404 Not Found</title></head><body>"
                  "<h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n", allow_gzip=False)

    # ---- methods
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        if ARGS.shells and u.path in SHELLS:
            return self.shell(SHELLS[u.path], q, b"")
        if u.path in FILES:
            ctype, data = FILES[u.path]
            chunked = u.path.startswith("/news/") and u.path != "/news/"
            return self.send(200, ctype + ("; charset=UTF-8" if ctype.startswith("text/") else ""), data, chunked=chunked)
        if u.path == "/products/item":
            try:
                i = int(q.get("id", "0"))
            except ValueError:
                i = 0
            return self.send(200, "text/html; charset=UTF-8", shopsite.product(i)) if 1 <= i <= 8 else self.not_found()
        if u.path == "/search":
            term = q.get("q", "")
            hits = [f"Cup no. {i}" for i in range(1, 9) if i % 2] if term else []
            return self.send(200, "text/html; charset=UTF-8", shopsite.page("Search", f"<p>{len(hits)} results for "
                             f"&quot;{term.replace('<', '&lt;')}&quot;</p>" + "".join(f"<p>{h}</p>" for h in hits)).encode())
        if u.path == "/api/v1/status":
            return self.send(200, "application/json", shopsite.status_json())
        if u.path == "/api/v1/stream":
            lines = "".join(json.dumps({"seq": i, "sku": f"CUP-{i:04d}", "stock": (i * 7) % 31}) + "\n" for i in range(400))
            return self.send(200, "application/x-ndjson", lines.encode(), chunked=True)
        if u.path == "/account":
            if "session=" not in (self.headers.get("Cookie") or ""):
                return self.send(302, "text/html", b"", {"Location": "/login"})
            return self.send(200, "text/html; charset=UTF-8", shopsite.page("Your account", "<p>Orders: 3</p>").encode())
        if u.path.startswith("/media/") and u.path in UPLOADS:
            return self.send(200, "image/png", UPLOADS[u.path])
        return self.not_found()

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        body = self.body()
        if ARGS.shells and u.path in SHELLS:
            return self.shell(SHELLS[u.path], dict(urllib.parse.parse_qsl(u.query)), body)
        if u.path == "/login":
            f = families.parse_form(body)
            if f.get("username") and f.get("password"):
                sid = families.session_id(RNG, 32)
                return self.send(302, "text/html", b"", {"Location": "/account", "Set-Cookie": f"session={sid}; HttpOnly; Path=/"})
            return self.send(200, "text/html; charset=UTF-8", shopsite.page("Sign in", "<p>Wrong user name or password.</p>").encode())
        if u.path == "/contact":
            return self.send(200, "text/html; charset=UTF-8", shopsite.page("Thank you", "<p>We will answer soon.</p>").encode())
        if u.path.startswith("/api/v1/"):
            try:
                doc = json.loads(body or b"{}")
            except ValueError:
                return self.send(400, "application/json", b'{"error":"bad json"}')
            if u.path == "/api/v1/orders":
                total = sum(int(x.get("qty", 1)) * 12.5 for x in doc.get("items", []) if isinstance(x, dict))
                return self.send(201, "application/json", json.dumps({"order": 1000 + RNG.randrange(9000), "total": total,
                                                                      "status": "created"}).encode(), {"Location": "/api/v1/orders/1"})
            if u.path == "/api/v1/avatar":
                return self.send(200, "application/json", json.dumps({"ok": True, "bytes": len(doc.get("image", ""))}).encode())
            return self.send(200, "application/json", json.dumps({"ok": True}).encode())
        if u.path == "/upload":
            ctype = self.headers.get("Content-Type", "")
            name = "upload.bin"
            if "filename=\"" in body[:2000].decode("latin-1"):
                name = body[:2000].decode("latin-1").split('filename="', 1)[1].split('"', 1)[0]
            start = body.find(b"\r\n\r\n")
            end = body.rfind(b"\r\n--")
            if "multipart/form-data" in ctype and 0 <= start < end:
                UPLOADS["/media/" + name] = body[start + 4 : end]
            return self.send(200, "application/json", json.dumps({"ok": True, "url": "/media/" + name}).encode())
        return self.not_found()

    # ---- the fake shells
    def shell(self, kind, query, body):
        cookie = {}
        if kind.startswith("cmd-"):
            cmd = query.get("cmd", "")
            if "/dev/tcp/127.0.0.3/4444" in cmd and not BEACON_STARTED.is_set():
                BEACON_STARTED.set()
                threading.Thread(target=beacon, args=(ARGS.beacon_count, ARGS.beacon_interval), daemon=True).start()
                return self.send(200, "text/html; charset=UTF-8", b"<pre></pre>")
            out = families.cmd_answer(query, windows=kind.endswith("windows"))
            return self.send(200, "text/html; charset=UTF-8", out) if out is not None else self.send(200, "text/html", b"")
        if self.command != "POST":
            return self.send(200, "text/html; charset=UTF-8", b"")
        if kind == "chopper":
            out = families.chopper_answer(body)
            return self.send(200, "text/html; charset=UTF-8", out or "", allow_gzip=False)
        if kind == "antsword":
            out = families.antsword_answer(body)
            return self.send(200, "text/html; charset=UTF-8", out or "", allow_gzip=False)
        if kind.startswith("behinder-"):
            lang = kind.split("-")[1]
            out = families.behinder_answer(lang, body) or b""
            name = {"php": "PHPSESSID", "jsp": "JSESSIONID", "aspx": "ASP.NET_SessionId"}[lang]
            if name not in (self.headers.get("Cookie") or ""):
                cookie = {"Set-Cookie": f"{name}={families.session_id(RNG).upper() if lang == 'jsp' else families.session_id(RNG)}; Path=/; HttpOnly"}
            return self.send(200, "text/html;charset=utf-8", out, cookie, allow_gzip=False)
        if kind.startswith("godzilla-"):
            lang = kind.split("-")[1]
            got = families.godzilla_answer(lang, body)
            if got is None:
                return self.send(200, "text/html; charset=UTF-8", b"")
            out, first = got
            if first:
                name = "PHPSESSID" if lang == "php" else "JSESSIONID"
                cookie = {"Set-Cookie": f"{name}={families.session_id(RNG)}; path=/"}
            return self.send(200, "text/html; charset=UTF-8", out, cookie, allow_gzip=False)
        return self.not_found()


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--ports", default="8080,8443")
    ap.add_argument("--shells", action="store_true")
    ap.add_argument("--beacon-count", type=int, default=10)
    ap.add_argument("--beacon-interval", type=float, default=2.0)
    ap.add_argument("--verbose", action="store_true")
    ARGS = ap.parse_args()
    servers = []
    for p in ARGS.ports.split(","):
        ThreadingHTTPServer.allow_reuse_address = True
        srv = ThreadingHTTPServer((ARGS.bind, int(p)), Handler)
        srv.daemon_threads = True
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(f"server: listening on {ARGS.bind} ports {ARGS.ports} shells={ARGS.shells}", file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
