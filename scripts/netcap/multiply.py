#!/usr/bin/env python3
"""Repeat a capture until it reaches a size, each copy on its own addresses and later in time.

Copy k moves every 127.a.b.c address to 10.(k/256).(k%256).c (so no two copies share a flow, and
tools that track TCP sequence numbers do not take a copy for retransmissions of the last) and adds
k * (duration + 1 s) to the timestamps. IPv4 and TCP/UDP checksums are updated incrementally
(RFC 1624), so a checksum that was right stays right. Classic pcap, Ethernet link type.

usage: multiply.py BASE.pcap OUT.pcap --size-mb MB
"""
import argparse
import struct
import sys


def fold(s: int) -> int:
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def adjust(ck: int, old: bytes, new: bytes) -> int:
    """RFC 1624 eqn 3: HC' = ~(~HC + ~m + m') over the changed 16-bit words."""
    s = ~ck & 0xFFFF
    for i in range(0, len(old), 2):
        m = (old[i] << 8) | old[i + 1]
        n = (new[i] << 8) | new[i + 1]
        s += (~m & 0xFFFF) + n
    return ~fold(s) & 0xFFFF


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base")
    ap.add_argument("out")
    ap.add_argument("--size-mb", type=float, required=True)
    a = ap.parse_args()
    raw = open(a.base, "rb").read()
    magic = raw[:4]
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        sys.exit("multiply: little-endian classic pcap expected")
    unit = 1_000_000_000 if magic == b"\x4d\x3c\xb2\xa1" else 1_000_000
    if struct.unpack("<I", raw[20:24])[0] != 1:
        sys.exit("multiply: link type is not Ethernet")
    recs, off = [], 24
    while off + 16 <= len(raw):
        sec, frac, incl, orig = struct.unpack_from("<IIII", raw, off)
        recs.append((sec, frac, orig, raw[off + 16 : off + 16 + incl]))
        off += 16 + incl
    if not recs:
        sys.exit("multiply: empty capture")
    t0 = recs[0][0] + recs[0][1] / unit
    t1 = recs[-1][0] + recs[-1][1] / unit
    step = int(t1 - t0) + 1
    want = int(a.size_mb * 1e6)
    with open(a.out, "wb") as o:
        o.write(raw[:24])
        written, k = 24, 0
        while written < want:
            pre = bytes((10, (k >> 8) & 255, k & 255))
            for sec, frac, orig, d in recs:
                b = bytearray(d)
                if len(b) >= 34 and b[12:14] == b"\x08\x00" and b[14] >> 4 == 4 and b[26] == 127 and b[30] == 127:
                    old = bytes(b[26:34])
                    b[26:29] = pre
                    b[30:33] = pre
                    new = bytes(b[26:34])
                    ck = struct.unpack_from("!H", b, 24)[0]
                    struct.pack_into("!H", b, 24, adjust(ck, old, new))
                    ihl = (b[14] & 15) * 4
                    l4 = 14 + ihl
                    proto = b[23]
                    pos = l4 + 16 if proto == 6 else l4 + 6 if proto == 17 else None
                    if pos is not None and pos + 2 <= len(b):
                        ck = struct.unpack_from("!H", b, pos)[0]
                        if not (proto == 17 and ck == 0):
                            struct.pack_into("!H", b, pos, adjust(ck, old, new))
                rec = struct.pack("<IIII", sec + k * step, frac, len(b), orig)
                o.write(rec)
                o.write(b)
                written += 16 + len(b)
            k += 1
    print(f"multiply: {k} copies, {written / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
