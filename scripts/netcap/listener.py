#!/usr/bin/env python3
"""Peers the captures need besides the web server.

  listener.py tcp  [--bind 127.0.0.3 --port 4444]  accept connections, answer each chunk with a few bytes
                                                   (the far end of the web worker's outbound call)
  listener.py udp  [--bind 127.0.0.2]              DNS-like responder on :53 and NTP-like on :123
"""
import argparse
import socket
import struct
import sys
import threading
import time


def tcp(bind, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen()

    def serve(c):
        with c:
            while True:
                d = c.recv(4096)
                if not d:
                    return
                c.sendall(b"\x17\x03\x03\x00\x08" + bytes(8))

    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def dns_answer(q: bytes) -> bytes:
    """Answer any A question with 127.0.0.1 (name compression pointer to the question)."""
    if len(q) < 12:
        return b""
    qid = q[:2]
    end = 12
    while end < len(q) and q[end] != 0:
        end += q[end] + 1
    question = q[12 : end + 5]
    head = qid + b"\x81\x80" + struct.pack(">HHHH", 1, 1, 0, 0)
    answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 300, 4) + bytes([127, 0, 0, 1])
    return head + question + answer


def ntp_answer(q: bytes) -> bytes:
    now = time.time() + 2208988800
    sec, frac = int(now), int((now % 1) * 2**32)
    ts = struct.pack(">II", sec, frac)
    return b"\x24\x02\x06\xe9" + bytes(8) + b"LOCL" + ts + q[40:48].ljust(8, b"\0") + ts + ts


def udp(bind):
    socks = []
    for port, fn in ((53, dns_answer), (123, ntp_answer)):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((bind, port))
        socks.append((u, fn))

    def loop(u, fn):
        while True:
            d, peer = u.recvfrom(2048)
            a = fn(d)
            if a:
                u.sendto(a, peer)

    for u, fn in socks:
        threading.Thread(target=loop, args=(u, fn), daemon=True).start()
    while True:
        time.sleep(3600)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["tcp", "udp"])
    ap.add_argument("--bind")
    ap.add_argument("--port", type=int, default=4444)
    a = ap.parse_args()
    print(f"listener: {a.mode} up", file=sys.stderr, flush=True)
    if a.mode == "tcp":
        tcp(a.bind or "127.0.0.3", a.port)
    else:
        udp(a.bind or "127.0.0.2")


if __name__ == "__main__":
    main()
