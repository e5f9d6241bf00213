#!/usr/bin/env python3
"""Split a loopback capture's oversized TCP segments into MSS-sized ones.

Loopback captures hold segments of up to 64 KiB (no segmentation offload on lo), so they have far
fewer, bigger packets than a wire capture. This rewrites each IPv4/TCP packet (Ethernet link type)
whose payload is longer than --mss into several packets: sequence numbers, IP total length and id,
and both checksums are fixed (every TCP checksum is recomputed: loopback leaves them partial);
PSH/FIN stay on the last piece only. Timestamps of the pieces are the original one plus 1
microsecond per piece. Classic pcap in, classic pcap out (same precision).

usage: resegment.py IN.pcap OUT.pcap [--mss 1448]
"""
import argparse
import struct
import sys


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def split(frame: bytes, mss: int):
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
        return [frame]
    ip = 14
    ihl = (frame[ip] & 15) * 4
    if frame[ip + 9] != 6 or (frame[ip] >> 4) != 4:
        return [frame]
    total = struct.unpack("!H", frame[ip + 2 : ip + 4])[0]
    tcp = ip + ihl
    doff = (frame[tcp + 12] >> 4) * 4
    pay = frame[tcp + doff : ip + total]
    if ip + total > len(frame):
        return [frame]
    eth, iph, tcph = frame[:ip], bytearray(frame[ip:tcp]), bytearray(frame[tcp : tcp + doff])
    seq = struct.unpack("!I", tcph[4:8])[0]
    flags = tcph[13]
    ipid = struct.unpack("!H", iph[4:6])[0]
    out = []
    for n, off in enumerate(range(0, max(len(pay), 1), mss)):
        part = pay[off : off + mss]
        last = off + mss >= len(pay)
        h = bytearray(iph)
        h[2:4] = struct.pack("!H", len(h) + len(tcph) + len(part))
        h[4:6] = struct.pack("!H", (ipid + n) & 0xFFFF)
        h[10:12] = b"\0\0"
        h[10:12] = struct.pack("!H", csum(bytes(h)))
        t = bytearray(tcph)
        t[4:8] = struct.pack("!I", (seq + off) & 0xFFFFFFFF)
        t[13] = flags if last else flags & ~0x09  # keep PSH (0x08) and FIN (0x01) for the last piece
        t[16:18] = b"\0\0"
        pseudo = h[12:20] + struct.pack("!BBH", 0, 6, len(t) + len(part))
        t[16:18] = struct.pack("!H", csum(bytes(pseudo) + bytes(t) + part))
        out.append(eth + bytes(h) + bytes(t) + part)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--mss", type=int, default=1448)
    a = ap.parse_args()
    with open(a.src, "rb") as f, open(a.dst, "wb") as o:
        gh = f.read(24)
        magic = gh[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            e = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            e = ">"
        else:
            sys.exit("resegment: not a classic pcap")
        if struct.unpack(e + "I", gh[20:24])[0] != 1:
            sys.exit("resegment: link type is not Ethernet")
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        o.write(gh)
        unit = 1_000_000_000 if nano else 1_000_000
        step = 1000 if nano else 1
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                break
            sec, frac, incl, orig = struct.unpack(e + "IIII", rh)
            data = f.read(incl)
            if len(data) < incl:
                break
            pieces = split(data, a.mss) if incl == orig else [data]
            for i, p in enumerate(pieces):
                fr = frac + i * step
                s2, fr = sec + fr // unit, fr % unit
                ln = len(p) if len(pieces) > 1 else orig
                o.write(struct.pack(e + "IIII", s2, fr, len(p), ln) + p)


if __name__ == "__main__":
    main()
