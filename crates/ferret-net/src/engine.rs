//! Ties the layers together: decoded packets update the connection table,
//! TCP payload goes through reassembly into HTTP, and finished records are
//! queued for the sink.
//!
//! Connection ends: FIN both ways or a RST closes a connection after a
//! short grace (1 s of capture time, so the last ACKs still count); no
//! packet for `idle_timeout_secs` closes it as evicted; a full table evicts
//! the least recently seen one; the end of the capture closes the rest,
//! oldest first. A new SYN on a closing or closed 4-tuple starts a new
//! connection.
//!
//! Roles: the sender of a SYN (without ACK) is the originator; without a
//! handshake, the end on the well-known (< 1024) or else lower port is the
//! responder; and when HTTP shows the other end to be the client of a
//! connection whose handshake was not seen, the record is turned round.
//! Streams that turn out not to be HTTP are no longer reassembled (their
//! later gaps are not counted in `missed_bytes`).

use crate::decode::{self, Decoded, Undecoded, ACK, FIN, L4, RST, SYN};
use crate::flow::{uid, App, Conn, FlowKey, Sniff, Table, TcpState, SNIFF_BYTES};
use crate::http::{sniff_request, HttpConn, Side};
use crate::reasm::{Budget, Chunk, Stream};
use crate::{
    capture::Packet, CaptureStats, ConnRecord, ConnState, Endpoint, FlowId, NetItem, NetLimits,
    NetProblem, NetRecord, NetSink, Transport,
};
use ferret_core::Timestamp;
use std::collections::VecDeque;
use std::ops::ControlFlow;

/// Capture time between FIN/RST and the record.
const GRACE_MICROS: i64 = 1_000_000;

/// The per-capture state.
pub(crate) struct Engine<'l> {
    limits: &'l NetLimits,
    table: Table,
    budget: Budget,
    /// Connections due to close: (deadline, slot, uid counter).
    closing: VecDeque<(i64, u32, u64)>,
    next_uid: u64,
    now: i64,
    out: Vec<NetItem>,
    damaged: u64,
    unknown_link: Option<(u32, u64)>,
    /// What the engine counted (packets and bytes come from the reader).
    pub stats: CaptureStats,
    stopped: bool,
}

/// What handling a chunk needs to know about its connection.
struct Ctx<'a> {
    uid_n: u64,
    flow: FlowId,
    allow_flip: bool,
    limits: &'a NetLimits,
    ts: Timestamp,
    packet: u64,
}

impl<'l> Engine<'l> {
    /// An engine bounded by `limits`.
    pub fn new(limits: &'l NetLimits) -> Engine<'l> {
        Engine {
            limits,
            table: Table::new(),
            budget: Budget {
                total: 0,
                max_total: limits.max_total_buffer,
                max_stream: limits.max_stream_buffer,
                http: 0,
                http_capped: false,
            },
            closing: VecDeque::new(),
            next_uid: 0,
            now: i64::MIN,
            out: Vec::new(),
            damaged: 0,
            unknown_link: None,
            stats: CaptureStats::default(),
            stopped: false,
        }
    }

    /// Handles one packet, then hands what finished to `sink`.
    pub fn packet(&mut self, p: &Packet<'_>, sink: &mut NetSink<'_>) -> ControlFlow<()> {
        self.handle(p);
        self.drain(sink)
    }

    /// Closes every connection (end of capture) and reports the summary
    /// problems.
    pub fn finish(&mut self, sink: &mut NetSink<'_>) -> ControlFlow<()> {
        while let Some(s) = self.table.oldest() {
            self.close(s, false);
            self.drain(sink)?;
        }
        if self.damaged > 0 {
            self.out.push(NetItem::Problem(NetProblem {
                packet: None,
                message: format!(
                    "{} packets with damaged or cut-short headers were not decoded",
                    self.damaged
                ),
            }));
        }
        if let Some((link, n)) = self.unknown_link {
            self.out.push(NetItem::Problem(NetProblem {
                packet: None,
                message: format!("{n} packets of unsupported link type {link} were not decoded"),
            }));
        }
        self.drain(sink)
    }

    /// Sends an item straight to the sink (after what is queued).
    pub fn emit(&mut self, item: NetItem, sink: &mut NetSink<'_>) -> ControlFlow<()> {
        self.out.push(item);
        self.drain(sink)
    }

    fn drain(&mut self, sink: &mut NetSink<'_>) -> ControlFlow<()> {
        if self.stopped {
            self.out.clear();
            return ControlFlow::Break(());
        }
        for item in self.out.drain(..) {
            match &item {
                NetItem::Record(NetRecord::Http(_)) => self.stats.http += 1,
                NetItem::Record(NetRecord::Conn(_)) => self.stats.conns += 1,
                NetItem::Problem(_) => {}
            }
            if sink(item).is_break() {
                self.stopped = true;
                break;
            }
        }
        self.out.clear();
        if self.stopped {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn handle(&mut self, p: &Packet<'_>) {
        let ts = p.ts_micros;
        if ts > self.now {
            self.now = ts;
            self.expire();
        }
        let d = match decode::decode(p.link, p.data, p.orig_len) {
            Ok(d) => d,
            Err(why) => {
                self.stats.undecoded += 1;
                match why {
                    Undecoded::Damaged => self.damaged += 1,
                    Undecoded::LinkType => {
                        let e = self.unknown_link.get_or_insert((p.link, 0));
                        e.1 += 1;
                    }
                    Undecoded::Other => {}
                }
                return;
            }
        };
        let proto = match d.l4 {
            L4::Tcp { .. } => Transport::Tcp,
            L4::Udp => Transport::Udp,
            L4::Icmp => Transport::Icmp,
        };
        let flags = match d.l4 {
            L4::Tcp { flags, .. } => flags,
            _ => 0,
        };
        let src = Endpoint {
            ip: d.src,
            port: d.sport,
        };
        let dst = Endpoint {
            ip: d.dst,
            port: d.dport,
        };
        let key = FlowKey::new(src, dst, proto);
        let slot = match self.table.find(&key) {
            Some(s) => {
                let restart = flags & (SYN | ACK) == SYN
                    && self.table.get(s).is_some_and(|c| {
                        c.closing || (c.fin[0] && c.fin[1]) || c.rst[0] || c.rst[1]
                    });
                if restart {
                    self.close(s, false);
                    self.open(key, proto, src, dst, flags, ts, p.num)
                } else {
                    s
                }
            }
            None => self.open(key, proto, src, dst, flags, ts, p.num),
        };
        self.table.touch(slot);
        self.update(slot, &d, src, flags, ts, p.num);
    }

    #[allow(clippy::too_many_arguments)]
    fn open(
        &mut self,
        key: FlowKey,
        proto: Transport,
        src: Endpoint,
        dst: Endpoint,
        flags: u8,
        ts: i64,
        packet: u64,
    ) -> u32 {
        while self.table.len() >= self.limits.max_flows.max(1) {
            match self.table.oldest() {
                Some(s) => self.close(s, true),
                None => break,
            }
        }
        let src_is_orig = if flags & SYN != 0 {
            flags & ACK == 0
        } else if src.port < 1024 && dst.port >= 1024 {
            false
        } else if dst.port < 1024 && src.port >= 1024 {
            true
        } else {
            src.port >= dst.port
        };
        let flow = if src_is_orig {
            FlowId {
                orig: src,
                resp: dst,
            }
        } else {
            FlowId {
                orig: dst,
                resp: src,
            }
        };
        let n = self.next_uid;
        self.next_uid += 1;
        self.table
            .insert(Conn::new(key, proto, n, flow, ts, packet))
    }

    fn update(
        &mut self,
        slot: u32,
        d: &Decoded<'_>,
        src: Endpoint,
        flags: u8,
        ts: i64,
        packet: u64,
    ) {
        let limits = self.limits;
        let Some(conn) = self.table.get(slot) else {
            return;
        };
        let dir = conn.dir(src);
        conn.last_ts = conn.last_ts.max(ts);
        conn.pkts[dir] += 1;
        conn.bytes[dir] += d.payload.len() as u64 + u64::from(d.missing);
        let L4::Tcp { seq, .. } = d.l4 else {
            return;
        };
        if flags & SYN != 0 {
            if flags & ACK == 0 {
                if dir == 0 {
                    conn.syn = true;
                }
            } else if dir == 1 {
                conn.synack = true;
            }
        }
        if flags & RST != 0 {
            conn.rst[dir] = true;
        }
        if flags & FIN != 0 {
            conn.fin[dir] = true;
        }
        let has_data = !d.payload.is_empty() || d.missing > 0;
        if (has_data || flags & SYN != 0) && conn.tcp.is_none() {
            conn.tcp = Some(Box::new(TcpState {
                streams: [Stream::default(), Stream::default()],
                app: App::Sniff(Box::default()),
            }));
        }
        let ctx = Ctx {
            uid_n: conn.uid_n,
            flow: conn.flow,
            allow_flip: !conn.syn && !conn.synack,
            limits,
            ts: Timestamp::from_unix_micros(ts),
            packet,
        };
        let mut flip = false;
        if let Some(tcp) = conn.tcp.as_mut() {
            let TcpState { streams, app } = &mut **tcp;
            if flags & SYN != 0 {
                streams[dir].syn(seq);
            }
            if has_data && !matches!(app, App::Off) {
                let out = &mut self.out;
                // Data on a SYN (TCP Fast Open) starts one after its sequence number.
                let data_seq = if flags & SYN != 0 {
                    seq.wrapping_add(1)
                } else {
                    seq
                };
                streams[dir].segment(data_seq, d.payload, d.missing, &mut self.budget, &mut |c| {
                    on_chunk(app, dir, c, &ctx, &mut flip, out)
                });
                settle(app, streams, &mut self.budget, out);
            }
        }
        if flip {
            conn.flipped = true;
        }
        if ((conn.fin[0] && conn.fin[1]) || flags & RST != 0) && !conn.closing {
            conn.closing = true;
            let uid_n = conn.uid_n;
            self.closing
                .push_back((ts.saturating_add(GRACE_MICROS), slot, uid_n));
            if self.closing.len() > 2 * self.limits.max_flows.max(16) {
                let table = &mut self.table;
                self.closing
                    .retain(|&(_, s, u)| table.get(s).is_some_and(|c| c.uid_n == u));
            }
        }
    }

    fn expire(&mut self) {
        while let Some(&(deadline, slot, uid_n)) = self.closing.front() {
            if deadline > self.now {
                break;
            }
            self.closing.pop_front();
            if self.table.get(slot).is_some_and(|c| c.uid_n == uid_n) {
                self.close(slot, false);
            }
        }
        let idle = i64::try_from(self.limits.idle_timeout_secs.saturating_mul(1_000_000))
            .unwrap_or(i64::MAX);
        while let Some(s) = self.table.oldest() {
            let due = self
                .table
                .get(s)
                .is_some_and(|c| c.last_ts.saturating_add(idle) < self.now);
            if !due {
                break;
            }
            self.close(s, true);
        }
    }

    /// Ends the connection in `slot`: flushes its streams, finishes HTTP,
    /// queues its record.
    fn close(&mut self, slot: u32, evicted: bool) {
        let Some(mut conn) = self.table.remove(slot) else {
            return;
        };
        let mut missed = 0;
        let mut http = false;
        if let Some(tcp) = conn.tcp.as_mut() {
            let ctx = Ctx {
                uid_n: conn.uid_n,
                flow: conn.flow,
                allow_flip: !conn.syn && !conn.synack,
                limits: self.limits,
                ts: Timestamp::from_unix_micros(conn.last_ts),
                packet: conn.packet,
            };
            let TcpState { streams, app } = &mut **tcp;
            let mut flip = false;
            for (dir, s) in streams.iter_mut().enumerate() {
                if matches!(app, App::Off) {
                    s.discard(&mut self.budget);
                } else {
                    let out = &mut self.out;
                    s.flush(&mut self.budget, &mut |c| {
                        on_chunk(app, dir, c, &ctx, &mut flip, out)
                    });
                }
                missed += s.missed;
                s.discard(&mut self.budget);
            }
            if flip {
                conn.flipped = true;
            }
            if let App::Http { conn: h, .. } = app {
                self.budget.http = self.budget.http.saturating_sub(h.accounted);
                h.accounted = 0;
                h.finish(&mut self.out);
                http = h.parsed_any();
            }
        }
        let state = conn_state(&conn);
        let (orig, resp) = if conn.flipped { (1, 0) } else { (0, 1) };
        let flow = if conn.flipped {
            FlowId {
                orig: conn.flow.resp,
                resp: conn.flow.orig,
            }
        } else {
            conn.flow
        };
        self.stats.missed_bytes += missed;
        if evicted {
            self.stats.evicted += 1;
        }
        self.out.push(NetItem::Record(NetRecord::Conn(ConnRecord {
            uid: uid(conn.uid_n),
            flow,
            proto: conn.proto,
            ts: Timestamp::from_unix_micros(conn.first_ts),
            packet: conn.packet,
            duration_micros: conn.last_ts.saturating_sub(conn.first_ts).max(0) as u64,
            orig_bytes: conn.bytes[orig],
            resp_bytes: conn.bytes[resp],
            orig_pkts: conn.pkts[orig],
            resp_pkts: conn.pkts[resp],
            missed_bytes: missed,
            state,
            service: http.then_some("http"),
            evicted,
        })));
    }
}

fn conn_state(c: &Conn) -> ConnState {
    if c.proto != Transport::Tcp {
        return if c.pkts[1] > 0 {
            ConnState::SF
        } else {
            ConnState::S0
        };
    }
    if !c.syn && !c.synack {
        return ConnState::Oth;
    }
    let established = c.synack || (c.pkts[1] > 0 && !c.rst[1]);
    if !established {
        return if c.rst[1] {
            ConnState::Rej
        } else {
            ConnState::S0
        };
    }
    if c.rst[0] {
        ConnState::Rsto
    } else if c.rst[1] {
        ConnState::Rstr
    } else if c.fin[0] && c.fin[1] {
        ConnState::SF
    } else {
        ConnState::S1
    }
}

/// After delivery: the HTTP parser's bytes are counted against the global
/// cap (over it, this connection's parser emits what it has and stops: the
/// connection that grows is the one cut, as in reassembly); a stream no
/// longer read drops its buffers.
fn settle(app: &mut App, streams: &mut [Stream; 2], budget: &mut Budget, out: &mut Vec<NetItem>) {
    let mut off = false;
    if let App::Http { conn, .. } = app {
        let held = conn.held();
        budget.http = budget.http.saturating_sub(conn.accounted) + held;
        conn.accounted = held;
        if conn.rejected() {
            off = true;
        } else if budget.total.saturating_add(budget.http) > budget.max_total {
            budget.http -= held;
            conn.accounted = 0;
            conn.finish(out);
            if !budget.http_capped {
                budget.http_capped = true;
                out.push(NetItem::Problem(NetProblem {
                    packet: None,
                    message: format!(
                        "buffered HTTP reached the {}-byte limit: parsing stopped early on the connections that grew past it",
                        budget.max_total
                    ),
                }));
            }
            off = true;
        }
    }
    if off {
        if let App::Http { conn, .. } = app {
            budget.http = budget.http.saturating_sub(conn.accounted);
        }
        *app = App::Off;
    }
    let done = match app {
        App::Off => true,
        App::Http { conn, .. } => conn.done(),
        App::Sniff(_) => false,
    };
    if done {
        for s in streams.iter_mut() {
            s.discard(budget);
        }
    }
}

/// Reassembled bytes of direction `dir` reach the application layer.
fn on_chunk(
    app: &mut App,
    dir: usize,
    chunk: Chunk<'_>,
    ctx: &Ctx<'_>,
    flip: &mut bool,
    out: &mut Vec<NetItem>,
) {
    match app {
        App::Off => {}
        App::Http { conn, client } => {
            let side = if dir == *client {
                Side::Client
            } else {
                Side::Server
            };
            match chunk {
                Chunk::Data(d) => conn.data(side, d, ctx.ts, ctx.packet, out),
                Chunk::Gap(n) => conn.gap(side, n, out),
            }
        }
        App::Sniff(sn) => {
            let data = match chunk {
                Chunk::Gap(_) => {
                    *app = App::Off;
                    return;
                }
                Chunk::Data(d) => d,
            };
            let Some(next) = sniff_step(sn, dir, data, ctx.allow_flip) else {
                return;
            };
            match next {
                Verdict::NotHttp => *app = App::Off,
                Verdict::Http { taken } => {
                    let flow = if dir == 0 {
                        ctx.flow
                    } else {
                        FlowId {
                            orig: ctx.flow.resp,
                            resp: ctx.flow.orig,
                        }
                    };
                    let mut h = HttpConn::new(uid(ctx.uid_n), flow, ctx.limits);
                    let mine = std::mem::take(&mut sn.buf[dir]);
                    let other = std::mem::take(&mut sn.buf[1 - dir]);
                    let other_seen = sn.seen[1 - dir];
                    if !other.is_empty() {
                        h.data(Side::Server, &other, ctx.ts, ctx.packet, out);
                    }
                    if other_seen > other.len() as u64 {
                        h.gap(Side::Server, other_seen - other.len() as u64, out);
                    }
                    h.data(Side::Client, &mine, ctx.ts, ctx.packet, out);
                    h.data(Side::Client, &data[taken..], ctx.ts, ctx.packet, out);
                    *flip = dir == 1;
                    *app = App::Http {
                        conn: Box::new(h),
                        client: dir,
                    };
                }
            }
        }
    }
}

enum Verdict {
    NotHttp,
    /// HTTP with `dir` as the client; `taken` bytes of this chunk are in
    /// the sniff buffer.
    Http {
        taken: usize,
    },
}

fn sniff_step(sn: &mut Sniff, dir: usize, data: &[u8], allow_flip: bool) -> Option<Verdict> {
    let had = sn.buf[dir].len();
    let taken = data.len().min(SNIFF_BYTES.saturating_sub(had));
    sn.buf[dir].extend_from_slice(&data[..taken]);
    sn.seen[dir] += data.len() as u64;
    let verdict = |b: &Vec<u8>| {
        if b.is_empty() {
            None
        } else {
            sniff_request(b)
        }
    };
    let v = [verdict(&sn.buf[0]), verdict(&sn.buf[1])];
    if v[dir] == Some(true) && (dir == 0 || allow_flip) {
        return Some(Verdict::Http { taken });
    }
    let orig_no = v[0] == Some(false);
    let resp_no = v[1] == Some(false) || !allow_flip;
    (orig_no && resp_no).then_some(Verdict::NotHttp)
}
