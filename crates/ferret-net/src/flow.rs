//! The connection table: connections keyed by their normalised 5-tuple,
//! kept in least-recently-seen order so the oldest can be found in O(1)
//! (idle timeouts by capture time, eviction when the table is full).

use crate::http::HttpConn;
use crate::reasm::Stream;
use crate::{Endpoint, FlowId, Transport};
use std::collections::HashMap;

const NIL: u32 = u32::MAX;

/// A connection's key, the same for both directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FlowKey {
    lo: Endpoint,
    hi: Endpoint,
    proto: u8,
}

impl FlowKey {
    /// The key of a packet from `a` to `b`.
    pub fn new(a: Endpoint, b: Endpoint, proto: Transport) -> FlowKey {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        FlowKey {
            lo,
            hi,
            proto: proto as u8,
        }
    }
}

/// What the payload of a TCP connection is being read as.
pub(crate) enum App {
    /// Not decided yet.
    Sniff(Box<Sniff>),
    /// HTTP; `client` is the direction index of the client stream.
    Http { conn: Box<HttpConn>, client: usize },
    /// Not read.
    Off,
}

/// The first bytes of each direction, to tell HTTP from other protocols.
#[derive(Default)]
pub(crate) struct Sniff {
    /// Up to [`SNIFF_BYTES`] first bytes per direction.
    pub buf: [Vec<u8>; 2],
    /// Bytes seen per direction.
    pub seen: [u64; 2],
}

/// Bytes kept per direction while sniffing.
pub(crate) const SNIFF_BYTES: usize = 32;

/// Reassembly and parsing state of a TCP connection with payload.
pub(crate) struct TcpState {
    /// Direction 0: orig → resp; 1: resp → orig.
    pub streams: [Stream; 2],
    pub app: App,
}

/// One tracked connection.
pub(crate) struct Conn {
    pub key: FlowKey,
    pub proto: Transport,
    /// Counter behind the uid.
    pub uid_n: u64,
    /// Ends as first decided (direction 0 is orig → resp).
    pub flow: FlowId,
    /// Orig and resp swapped for the record (HTTP showed the other end is
    /// the client).
    pub flipped: bool,
    pub first_ts: i64,
    pub last_ts: i64,
    pub packet: u64,
    pub bytes: [u64; 2],
    pub pkts: [u64; 2],
    /// SYN without ACK seen from the originator.
    pub syn: bool,
    /// SYN+ACK seen from the responder.
    pub synack: bool,
    pub fin: [bool; 2],
    pub rst: [bool; 2],
    /// Close scheduled (FIN both ways or RST).
    pub closing: bool,
    pub tcp: Option<Box<TcpState>>,
    prev: u32,
    next: u32,
}

impl Conn {
    /// A new connection; `flow.orig` sends direction 0.
    pub fn new(
        key: FlowKey,
        proto: Transport,
        uid_n: u64,
        flow: FlowId,
        ts: i64,
        packet: u64,
    ) -> Conn {
        Conn {
            key,
            proto,
            uid_n,
            flow,
            flipped: false,
            first_ts: ts,
            last_ts: ts,
            packet,
            bytes: [0; 2],
            pkts: [0; 2],
            syn: false,
            synack: false,
            fin: [false; 2],
            rst: [false; 2],
            closing: false,
            tcp: None,
            prev: NIL,
            next: NIL,
        }
    }

    /// The direction of a packet sent by `src`.
    pub fn dir(&self, src: Endpoint) -> usize {
        usize::from(src != self.flow.orig)
    }
}

/// Live connections in least-recently-seen order.
#[derive(Default)]
pub(crate) struct Table {
    map: HashMap<FlowKey, u32>,
    slots: Vec<Option<Conn>>,
    free: Vec<u32>,
    /// Most recently seen.
    head: u32,
    /// Least recently seen.
    tail: u32,
}

impl Table {
    /// An empty table.
    pub fn new() -> Table {
        Table {
            head: NIL,
            tail: NIL,
            ..Table::default()
        }
    }

    /// Live connections.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The slot of `key`'s connection.
    pub fn find(&self, key: &FlowKey) -> Option<u32> {
        self.map.get(key).copied()
    }

    /// The connection in `slot`.
    pub fn get(&mut self, slot: u32) -> Option<&mut Conn> {
        self.slots.get_mut(slot as usize).and_then(Option::as_mut)
    }

    /// The least recently seen connection's slot.
    pub fn oldest(&self) -> Option<u32> {
        (self.tail != NIL).then_some(self.tail)
    }

    /// Adds a connection as the most recent; returns its slot.
    pub fn insert(&mut self, conn: Conn) -> u32 {
        let key = conn.key;
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(conn);
                s
            }
            None => {
                self.slots.push(Some(conn));
                (self.slots.len() - 1) as u32
            }
        };
        self.map.insert(key, slot);
        self.link_front(slot);
        slot
    }

    /// Marks `slot` as just seen.
    pub fn touch(&mut self, slot: u32) {
        if self.head != slot {
            self.unlink(slot);
            self.link_front(slot);
        }
    }

    /// Takes the connection out of `slot`.
    pub fn remove(&mut self, slot: u32) -> Option<Conn> {
        self.slots.get(slot as usize)?.as_ref()?;
        self.unlink(slot);
        let conn = self.slots[slot as usize].take()?;
        self.map.remove(&conn.key);
        self.free.push(slot);
        Some(conn)
    }

    fn links(&mut self, slot: u32) -> Option<&mut Conn> {
        self.slots.get_mut(slot as usize).and_then(Option::as_mut)
    }

    fn unlink(&mut self, slot: u32) {
        let Some(c) = self.links(slot) else {
            return;
        };
        let (p, n) = (c.prev, c.next);
        c.prev = NIL;
        c.next = NIL;
        match self.links(p) {
            Some(pc) => pc.next = n,
            None => self.head = n,
        }
        match self.links(n) {
            Some(nc) => nc.prev = p,
            None => self.tail = p,
        }
    }

    fn link_front(&mut self, slot: u32) {
        let old = self.head;
        if let Some(c) = self.links(slot) {
            c.prev = NIL;
            c.next = old;
        }
        match self.links(old) {
            Some(oc) => oc.prev = slot,
            None => self.tail = slot,
        }
        self.head = slot;
    }
}

/// Zeek-like connection id: `C` and the base62 of a bijective mix of the
/// counter, so ids are unique and stable for one capture.
pub(crate) fn uid(n: u64) -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let mut s = [b'0'; 11];
    for d in s.iter_mut().rev() {
        *d = DIGITS[(z % 62) as usize];
        z /= 62;
    }
    let mut out = String::with_capacity(12);
    out.push('C');
    out.extend(s.iter().map(|&b| b as char));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    fn conn(port: u16) -> Conn {
        let a = Endpoint {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port,
        };
        let b = Endpoint {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 80,
        };
        let key = FlowKey::new(a, b, Transport::Tcp);
        Conn::new(key, Transport::Tcp, 0, FlowId { orig: a, resp: b }, 0, 1)
    }

    #[test]
    fn lru_order_and_reuse() {
        let mut t = Table::new();
        let a = t.insert(conn(1));
        let b = t.insert(conn(2));
        let c = t.insert(conn(3));
        assert_eq!(t.oldest(), Some(a));
        t.touch(a);
        assert_eq!(t.oldest(), Some(b));
        assert!(t.remove(b).is_some());
        assert_eq!(t.oldest(), Some(c));
        let d = t.insert(conn(4));
        assert_eq!(d, b);
        assert_eq!(t.len(), 3);
        t.remove(c);
        t.remove(a);
        t.remove(d);
        assert_eq!(t.oldest(), None);
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn uids_are_unique_and_shaped() {
        let set: std::collections::HashSet<String> = (0..10_000).map(uid).collect();
        assert_eq!(set.len(), 10_000);
        let u = uid(7);
        assert!(u.starts_with('C') && u.len() == 12);
        assert_eq!(u, uid(7));
    }
}
