//! Test helpers: a tiny pcap/pcapng writer and a TCP conversation builder
//! that makes frames for several link types.
#![allow(dead_code)]

use etherparse::PacketBuilder;
use ferret_net::{
    read_capture, CaptureStats, ConnRecord, HttpTransaction, NetItem, NetLimits, NetProblem,
    NetRecord,
};
use std::net::IpAddr;
use std::ops::ControlFlow;

/// Link framing for built packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Eth,
    Vlan,
    QinQ,
    Sll,
    Sll2,
    Null,
    Raw,
}

impl Link {
    pub fn linktype(self) -> u32 {
        match self {
            Link::Eth | Link::Vlan | Link::QinQ => 1,
            Link::Sll => 113,
            Link::Sll2 => 276,
            Link::Null => 0,
            Link::Raw => 101,
        }
    }
}

pub const SYN: u8 = 1;
pub const ACK: u8 = 2;
pub const PSH: u8 = 4;
pub const FIN: u8 = 8;
pub const RST: u8 = 16;

/// One TCP (or UDP when `udp`) packet as a frame of `link`.
#[allow(clippy::too_many_arguments)]
pub fn frame(
    link: Link,
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
    udp: bool,
) -> Vec<u8> {
    let mac = ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
    let mut out = Vec::new();
    macro_rules! finish {
        ($ip:expr) => {{
            if udp {
                $ip.udp(sport, dport).write(&mut out, payload).unwrap();
            } else {
                let mut t = $ip.tcp(sport, dport, seq, 65535);
                if flags & SYN != 0 {
                    t = t.syn();
                }
                if flags & ACK != 0 {
                    t = t.ack(ack);
                }
                if flags & PSH != 0 {
                    t = t.psh();
                }
                if flags & FIN != 0 {
                    t = t.fin();
                }
                if flags & RST != 0 {
                    t = t.rst();
                }
                t.write(&mut out, payload).unwrap();
            }
        }};
    }
    let eth = || PacketBuilder::ethernet2(mac.0, mac.1);
    let vid = |v| etherparse::VlanId::try_new(v).unwrap();
    match (link, src, dst) {
        (Link::Vlan, IpAddr::V4(s), IpAddr::V4(d)) => {
            finish!(eth().single_vlan(vid(7)).ipv4(s.octets(), d.octets(), 64))
        }
        (Link::Vlan, IpAddr::V6(s), IpAddr::V6(d)) => {
            finish!(eth().single_vlan(vid(7)).ipv6(s.octets(), d.octets(), 64))
        }
        (Link::QinQ, IpAddr::V4(s), IpAddr::V4(d)) => {
            finish!(eth()
                .double_vlan(vid(100), vid(7))
                .ipv4(s.octets(), d.octets(), 64))
        }
        (Link::QinQ, IpAddr::V6(s), IpAddr::V6(d)) => {
            finish!(eth()
                .double_vlan(vid(100), vid(7))
                .ipv6(s.octets(), d.octets(), 64))
        }
        (_, IpAddr::V4(s), IpAddr::V4(d)) => finish!(eth().ipv4(s.octets(), d.octets(), 64)),
        (_, IpAddr::V6(s), IpAddr::V6(d)) => finish!(eth().ipv6(s.octets(), d.octets(), 64)),
        _ => panic!("mixed address families"),
    }
    let ether_type = u16::from_be_bytes([out[12], out[13]]);
    let ip = out[14..].to_vec();
    match link {
        Link::Eth | Link::Vlan | Link::QinQ => out,
        Link::Sll => {
            let mut f = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
            f.extend_from_slice(&ether_type.to_be_bytes());
            f.extend_from_slice(&ip);
            f
        }
        Link::Sll2 => {
            let mut f = ether_type.to_be_bytes().to_vec();
            f.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
            f.extend_from_slice(&ip);
            f
        }
        Link::Null => {
            let af: u32 = if ether_type == 0x0800 { 2 } else { 30 };
            let mut f = af.to_le_bytes().to_vec();
            f.extend_from_slice(&ip);
            f
        }
        Link::Raw => ip,
    }
}

/// A TCP conversation that tracks sequence numbers and time.
pub struct Conv {
    pub link: Link,
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub cseq: u32,
    pub sseq: u32,
    pub ts: i64,
    pub frames: Vec<(i64, Vec<u8>)>,
}

impl Conv {
    pub fn new(link: Link, client: (&str, u16), server: (&str, u16)) -> Conv {
        Conv {
            link,
            client: (client.0.parse().unwrap(), client.1),
            server: (server.0.parse().unwrap(), server.1),
            cseq: 1000,
            sseq: 5_000_000,
            ts: 1_700_000_000_000_000,
            frames: Vec::new(),
        }
    }

    fn push(&mut self, from_client: bool, seq: u32, flags: u8, payload: &[u8]) {
        let (s, d) = if from_client {
            (self.client, self.server)
        } else {
            (self.server, self.client)
        };
        let ack = if from_client { self.sseq } else { self.cseq };
        let f = frame(
            self.link, s.0, d.0, s.1, d.1, seq, ack, flags, payload, false,
        );
        self.ts += 1000;
        self.frames.push((self.ts, f));
    }

    pub fn handshake(&mut self) -> &mut Conv {
        self.push(true, self.cseq, SYN, b"");
        self.cseq = self.cseq.wrapping_add(1);
        self.push(false, self.sseq, SYN | ACK, b"");
        self.sseq = self.sseq.wrapping_add(1);
        self.push(true, self.cseq, ACK, b"");
        self
    }

    /// Client data, split into segments of at most `mss` bytes.
    pub fn c2s(&mut self, data: &[u8], mss: usize) -> &mut Conv {
        for c in data.chunks(mss) {
            self.push(true, self.cseq, ACK | PSH, c);
            self.cseq = self.cseq.wrapping_add(c.len() as u32);
        }
        self
    }

    pub fn s2c(&mut self, data: &[u8], mss: usize) -> &mut Conv {
        for c in data.chunks(mss) {
            self.push(false, self.sseq, ACK | PSH, c);
            self.sseq = self.sseq.wrapping_add(c.len() as u32);
        }
        self
    }

    /// A raw segment at an explicit sequence offset (from the current one).
    pub fn seg(&mut self, from_client: bool, rel: u32, data: &[u8]) -> &mut Conv {
        let seq = if from_client { self.cseq } else { self.sseq }.wrapping_add(rel);
        self.push(from_client, seq, ACK | PSH, data);
        self
    }

    /// Advances a side's sequence number (after `seg`s).
    pub fn advance(&mut self, from_client: bool, n: u32) -> &mut Conv {
        if from_client {
            self.cseq = self.cseq.wrapping_add(n);
        } else {
            self.sseq = self.sseq.wrapping_add(n);
        }
        self
    }

    pub fn close(&mut self) -> &mut Conv {
        self.push(true, self.cseq, FIN | ACK, b"");
        self.cseq = self.cseq.wrapping_add(1);
        self.push(false, self.sseq, FIN | ACK, b"");
        self.sseq = self.sseq.wrapping_add(1);
        self.push(true, self.cseq, ACK, b"");
        self
    }

    pub fn pcap(&self) -> Vec<u8> {
        let mut w = Pcap::new(self.link.linktype());
        for (ts, f) in &self.frames {
            w.packet(*ts, f);
        }
        w.finish()
    }
}

/// A legacy pcap writer.
pub struct Pcap {
    buf: Vec<u8>,
    nano: bool,
    be: bool,
}

impl Pcap {
    pub fn new(link: u32) -> Pcap {
        Pcap::with(link, false, false)
    }

    pub fn with(link: u32, nano: bool, be: bool) -> Pcap {
        let mut p = Pcap {
            buf: Vec::new(),
            nano,
            be,
        };
        let magic: u32 = if nano { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        p.u32(magic);
        p.u16(2);
        p.u16(4);
        p.u32(0);
        p.u32(0);
        p.u32(262_144);
        p.u32(link);
        p
    }

    fn u32(&mut self, v: u32) {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }

    fn u16(&mut self, v: u16) {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }

    pub fn packet(&mut self, ts_micros: i64, frame: &[u8]) {
        self.packet_cut(ts_micros, frame, usize::MAX);
    }

    /// A packet captured with snap length `snap`.
    pub fn packet_cut(&mut self, ts_micros: i64, frame: &[u8], snap: usize) {
        let cap = frame.len().min(snap);
        self.u32((ts_micros / 1_000_000) as u32);
        let frac = (ts_micros % 1_000_000) as u32;
        self.u32(if self.nano { frac * 1000 } else { frac });
        self.u32(cap as u32);
        self.u32(frame.len() as u32);
        self.buf.extend_from_slice(&frame[..cap]);
    }

    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// A little-endian pcapng file: interfaces `(linktype, tsresol)` and
/// packets `(interface, timestamp in that interface's units, frame)`.
pub fn pcapng(ifaces: &[(u16, u8)], packets: &[(u32, u64, Vec<u8>)]) -> Vec<u8> {
    fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
        let mut b = body.to_vec();
        while !b.len().is_multiple_of(4) {
            b.push(0);
        }
        let len = (b.len() + 12) as u32;
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&b);
        out.extend_from_slice(&len.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut out, 0x0a0d_0d0a, &shb);
    for &(link, tsresol) in ifaces {
        let mut idb = Vec::new();
        idb.extend_from_slice(&link.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&262_144u32.to_le_bytes());
        // if_tsresol option (code 9, length 1), then opt_endofopt.
        idb.extend_from_slice(&9u16.to_le_bytes());
        idb.extend_from_slice(&1u16.to_le_bytes());
        idb.extend_from_slice(&[tsresol, 0, 0, 0]);
        idb.extend_from_slice(&[0, 0, 0, 0]);
        block(&mut out, 1, &idb);
    }
    for (iface, ts, frame) in packets {
        let mut epb = Vec::new();
        epb.extend_from_slice(&iface.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(*ts as u32).to_le_bytes());
        epb.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        epb.extend_from_slice(frame);
        block(&mut out, 6, &epb);
    }
    out
}

/// Everything a read produced.
#[derive(Debug, Default)]
pub struct Got {
    pub http: Vec<HttpTransaction>,
    pub conns: Vec<ConnRecord>,
    pub problems: Vec<NetProblem>,
    pub stats: CaptureStats,
}

pub fn read(bytes: &[u8], limits: &NetLimits) -> Got {
    let mut got = Got::default();
    let stats = read_capture(bytes, limits, &mut |item| {
        match item {
            NetItem::Record(NetRecord::Http(t)) => got.http.push(*t),
            NetItem::Record(NetRecord::Conn(c)) => got.conns.push(c),
            NetItem::Problem(p) => got.problems.push(p),
        }
        ControlFlow::Continue(())
    })
    .expect("a capture");
    got.stats = stats;
    got
}

pub fn read_default(bytes: &[u8]) -> Got {
    read(bytes, &NetLimits::default())
}
