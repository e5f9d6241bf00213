"""Content of the ordinary web site the test server serves (pages, CSS, JS, images, downloads).

Deterministic (seeded), so rebuilt captures carry the same bytes.
"""
import json
import random
import struct
import zlib


def png(width: int, height: int, seed: int) -> bytes:
    """A valid RGB PNG with a gradient, built with zlib."""
    rng = random.Random(seed)
    base = [rng.randrange(256) for _ in range(3)]
    rows = b""
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row += bytes(((base[0] + x) & 255, (base[1] + y) & 255, (base[2] + x + y) & 255))
        rows += bytes(row)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def jpeg_like(size: int, seed: int) -> bytes:
    """JPEG framing (SOI, APP0 JFIF, ..., EOI) around pseudo-random scan data: high entropy like a photo."""
    rng = random.Random(seed)
    head = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00"
    return head + bytes(rng.getrandbits(8) for _ in range(size)) + b"\xff\xd9"


NAV = ('<nav><a href="/index.html">Home</a> | <a href="/products/">Products</a> | <a href="/news/">News</a> | '
       '<a href="/about.html">About</a> | <a href="/contact">Contact</a> | <a href="/login">Sign in</a></nav>')

LOREM = ("Our shop has sold hand-made tea cups, pots and kettles since 1998. Every item is fired twice and glazed by hand. "
         "We ship within the EU in three working days and answer mail the same day. ")


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title + " - Teacup Shop</title>\n"
        '<link rel="stylesheet" href="/css/site.css"><script src="/js/app.js" defer></script>\n'
        '<link rel="icon" href="/favicon.ico"></head>\n<body><header><img src="/img/logo.png" alt="logo" width="64" height="64">'
        + NAV + "</header>\n<main><h1>" + title + "</h1>\n" + body + "\n</main><footer>&copy; 2024 Teacup Shop</footer></body></html>\n"
    )


def build() -> dict:
    """Path -> (content type, bytes). Query strings are handled by the server."""
    files = {}
    files["/css/site.css"] = ("text/css", ("body{font-family:Georgia,serif;margin:0 auto;max-width:60em;color:#222}\n"
                                           "nav a{margin:0 .4em}\n.item{display:inline-block;width:14em;margin:1em}\n" * 40).encode())
    files["/js/app.js"] = ("application/javascript", ("(function(){'use strict';var c=document.querySelectorAll('.item');"
                                                       "for(var i=0;i<c.length;i++){c[i].addEventListener('click',function(e){"
                                                       "this.classList.toggle('open');});}})();\n" * 30).encode())
    files["/img/logo.png"] = ("image/png", png(64, 64, 1))
    files["/favicon.ico"] = ("image/png", png(16, 16, 2))
    files["/robots.txt"] = ("text/plain", b"User-agent: *\nDisallow: /account\n")
    items = ""
    for i in range(1, 9):
        files[f"/img/cup{i}.jpg"] = ("image/jpeg", jpeg_like(2500 + 300 * i, 10 + i))
        items += f'<div class="item"><a href="/products/item?id={i}"><img src="/img/cup{i}.jpg" alt="cup {i}"></a><p>Cup no. {i}</p></div>\n'
    home = ("<p>" + LOREM + "</p>\n" + items + '<p><a href="/downloads/catalogue-2024.pdf">Catalogue (PDF)</a> | '
            '<a href="/downloads/tool-1.2.tar.gz">Stock tool 1.2</a></p>')
    files["/"] = files["/index.html"] = ("text/html", page("Welcome", home).encode())
    files["/about.html"] = ("text/html", page("About us", ("<p>" + LOREM * 3 + "</p>")).encode())
    files["/products/"] = ("text/html", page("Products", items).encode())
    news = "".join(f'<li><a href="/news/2024-03-0{d}.html">News of March {d}</a></li>' for d in range(1, 6))
    files["/news/"] = ("text/html", page("News", "<ul>" + news + "</ul>").encode())
    for d in range(1, 6):
        files[f"/news/2024-03-0{d}.html"] = ("text/html", page(f"News of March {d}", ("<p>" + LOREM * (2 + d) + "</p>")).encode())
    files["/contact"] = ("text/html", page("Contact", '<form method="post" action="/contact"><input name="email">'
                                                     '<textarea name="message"></textarea><button>Send</button></form>').encode())
    files["/login"] = ("text/html", page("Sign in", '<form method="post" action="/login"><input name="username">'
                                                   '<input type="password" name="password"><button>Sign in</button></form>').encode())
    files["/upload"] = ("text/html", page("Send us a photo", '<form method="post" action="/upload" enctype="multipart/form-data">'
                                                            '<input type="file" name="photo"><button>Upload</button></form>').encode())
    rng = random.Random(7)
    files["/downloads/tool-1.2.tar.gz"] = ("application/gzip", b"\x1f\x8b\x08\x00" + bytes(rng.getrandbits(8) for _ in range(60000)))
    files["/downloads/catalogue-2024.pdf"] = ("application/pdf", b"%PDF-1.4\n" + ("1 0 obj << /Type /Catalog >> endobj\n" * 300).encode() + b"%%EOF\n")
    return files


def product(i: int) -> bytes:
    return page(f"Cup no. {i}", f'<img src="/img/cup{i}.jpg" alt="cup"><p>Price: {12 + i}.50 EUR</p><p>{LOREM}</p>').encode()


def status_json() -> bytes:
    return json.dumps({"status": "ok", "version": "3.4.1", "uptime": 86400, "queue": 0}).encode()
