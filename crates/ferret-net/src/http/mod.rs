//! HTTP/1.x over the two reassembled byte streams of a connection.
//!
//! [`HttpConn`] takes the client's and the server's bytes as they arrive
//! (any split), pairs requests and responses in order (pipelining and
//! keep-alive), frames bodies by `Content-Length`, chunked encoding (with
//! trailers) or the end of the connection, and emits one
//! [`HttpTransaction`] when its response completes or the connection ends.
//! `HEAD` responses and `1xx`/`204`/`304` have no body; interim `1xx`
//! (`100 Continue`) responses are skipped; `101` and a `2xx` answer to
//! `CONNECT` end HTTP on the connection (what follows is a tunnel).
//!
//! Gaps (bytes the capture missed): inside a `Content-Length` body the body
//! is marked and framing goes on; anywhere else the stream resynchronises
//! at the next line that starts a request (method token and space) or a
//! response (`HTTP/1.`), and the message cut by the gap is closed with a
//! problem. A header block over [`NetLimits::max_header`] ends HTTP on that
//! stream with one problem. A client stream whose very first message does
//! not parse is taken for another protocol, silently.

mod body;

use crate::{
    Body, FlowId, HttpResponse, HttpTransaction, NetItem, NetLimits, NetProblem, NetRecord,
};
use body::{BodyAcc, Coding};
use ferret_core::Timestamp;
use std::collections::VecDeque;

/// Requests waiting for responses on one connection; beyond it the oldest
/// is emitted without its response.
const MAX_PENDING: usize = 64;
/// Longest chunk-size or trailer line.
const MAX_LINE: usize = 4096;
/// Longest method token accepted when sniffing.
const MAX_METHOD: usize = 20;

/// Which of a connection's two streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Client to server (requests).
    Client = 0,
    /// Server to client (responses).
    Server = 1,
}

impl Side {
    /// What this side's messages are: `request` or `response`.
    fn message(self) -> &'static str {
        match self {
            Side::Client => "request",
            Side::Server => "response",
        }
    }
}

/// Whether `buf` starts like a request line: a method token and a space.
/// `None` when more bytes are needed to tell.
pub fn sniff_request(buf: &[u8]) -> Option<bool> {
    for (i, &b) in buf.iter().enumerate() {
        if b == b' ' {
            return Some(i > 0);
        }
        if i >= MAX_METHOD || !is_method_byte(b) {
            return Some(false);
        }
    }
    None
}

fn is_method_byte(b: u8) -> bool {
    b.is_ascii_uppercase() || b == b'-' || b == b'_'
}

fn looks_like_start(side: Side, buf: &[u8]) -> bool {
    match side {
        Side::Client => sniff_request(buf) == Some(true),
        Side::Server => buf.starts_with(b"HTTP/1."),
    }
}

/// Offset just past the blank line ending a header block, scanning from
/// `from`.
fn header_end(buf: &[u8], from: usize) -> Option<usize> {
    for p in memchr::memchr_iter(b'\n', buf.get(from..)?) {
        let p = p + from;
        match (buf.get(p + 1), buf.get(p + 2)) {
            (Some(b'\n'), _) => return Some(p + 2),
            (Some(b'\r'), Some(b'\n')) => return Some(p + 3),
            _ => {}
        }
    }
    None
}

struct Head {
    method: String,
    uri: String,
    status: u16,
    reason: String,
    version: String,
    headers: Vec<(String, Vec<u8>)>,
}

impl Head {
    /// Bytes held by the head's text.
    fn size(&self) -> usize {
        self.method.len()
            + self.uri.len()
            + self.reason.len()
            + self
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len() + 48)
                .sum::<usize>()
    }

    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    fn chunked(&self) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
            .any(|(_, v)| {
                v.rsplit(|&b| b == b',')
                    .next()
                    .is_some_and(|t| t.trim_ascii().eq_ignore_ascii_case(b"chunked"))
            })
    }

    fn content_length(&self) -> Option<u64> {
        let v = self.header("content-length")?.trim_ascii();
        if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(v).ok()?.parse().ok()
    }

    fn coding(&self) -> Coding {
        self.header("content-encoding")
            .map(Coding::from_header)
            .unwrap_or(Coding::Identity)
    }
}

fn version_name(v: Option<u8>) -> String {
    match v {
        Some(0) => "1.0".into(),
        _ => "1.1".into(),
    }
}

fn own_headers(hs: &[httparse::Header<'_>]) -> Vec<(String, Vec<u8>)> {
    hs.iter()
        .filter(|h| !h.name.is_empty())
        .map(|h| (h.name.to_string(), h.value.to_vec()))
        .collect()
}

fn parse_head(side: Side, block: &[u8]) -> Option<Head> {
    let mut small = [httparse::EMPTY_HEADER; 64];
    match parse_with(side, block, &mut small) {
        Err(httparse::Error::TooManyHeaders) => {
            let mut big = vec![httparse::EMPTY_HEADER; block.len() / 3 + 1];
            parse_with(side, block, &mut big).ok()
        }
        r => r.ok(),
    }
}

fn parse_with<'b>(
    side: Side,
    block: &'b [u8],
    hs: &mut [httparse::Header<'b>],
) -> Result<Head, httparse::Error> {
    let mut cfg = httparse::ParserConfig::default();
    match side {
        Side::Client => {
            cfg.allow_multiple_spaces_in_request_line_delimiters(true)
                .ignore_invalid_headers_in_requests(true);
            let mut req = httparse::Request::new(hs);
            match cfg.parse_request(&mut req, block)? {
                httparse::Status::Complete(_) => {}
                httparse::Status::Partial => return Err(httparse::Error::Token),
            }
            Ok(Head {
                method: String::from(req.method.unwrap_or("")),
                uri: String::from(req.path.unwrap_or("")),
                status: 0,
                reason: String::new(),
                version: version_name(req.version),
                headers: own_headers(req.headers),
            })
        }
        Side::Server => {
            cfg.allow_spaces_after_header_name_in_responses(true)
                .allow_obsolete_multiline_headers_in_responses(true)
                .allow_multiple_spaces_in_response_status_delimiters(true)
                .ignore_invalid_headers_in_responses(true);
            let mut resp = httparse::Response::new(hs);
            match cfg.parse_response(&mut resp, block)? {
                httparse::Status::Complete(_) => {}
                httparse::Status::Partial => return Err(httparse::Error::Token),
            }
            Ok(Head {
                method: String::new(),
                uri: String::new(),
                status: resp.code.unwrap_or(0),
                reason: String::from(resp.reason.unwrap_or("")),
                version: version_name(resp.version),
                headers: own_headers(resp.headers),
            })
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Chunked {
    Size {
        val: u64,
        digits: u8,
        ext: bool,
        line: usize,
    },
    Data(u64),
    DataEnd,
    Trailer {
        line: usize,
    },
}

#[derive(Debug, Clone, Copy)]
enum Framing {
    Length(u64),
    Chunked(Chunked),
    UntilClose,
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Headers,
    Body(Framing),
    Resync,
    Dead,
}

/// How a piece of body bytes left the message.
enum BodyStep {
    More,
    Done,
    Bad(&'static str),
}

/// One direction's parser.
struct Half {
    phase: Phase,
    hbuf: Vec<u8>,
    body: Option<BodyAcc>,
    /// The pending entry (by sequence) the current message belongs to.
    target: Option<u64>,
    /// Resync: whether the next byte starts a line.
    at_line_start: bool,
    messages: u64,
    said_problem: bool,
    /// Time and packet of the first byte of a header block spread over
    /// several packets.
    first: Option<(Timestamp, u64)>,
}

impl Half {
    fn new() -> Half {
        Half {
            phase: Phase::Headers,
            hbuf: Vec::new(),
            body: None,
            target: None,
            at_line_start: true,
            messages: 0,
            said_problem: false,
            first: None,
        }
    }

    /// Reports a problem of this stream, the first time only.
    fn problem_once(
        &mut self,
        packet: u64,
        out: &mut Vec<NetItem>,
        message: impl FnOnce() -> String,
    ) {
        if !self.said_problem {
            self.said_problem = true;
            out.push(NetItem::Problem(NetProblem {
                packet: Some(packet),
                message: message(),
            }));
        }
    }

    /// Feeds body bytes under the current framing; returns bytes used.
    fn body_bytes(&mut self, data: &[u8]) -> (usize, BodyStep) {
        let Phase::Body(framing) = self.phase else {
            return (0, BodyStep::More);
        };
        let Some(acc) = self.body.as_mut() else {
            return (0, BodyStep::Bad("body without state"));
        };
        match framing {
            Framing::UntilClose => {
                acc.push(data);
                (data.len(), BodyStep::More)
            }
            Framing::Length(rem) => {
                let n = (data.len() as u64).min(rem) as usize;
                acc.push(&data[..n]);
                let rem = rem - n as u64;
                self.phase = Phase::Body(Framing::Length(rem));
                (
                    n,
                    if rem == 0 {
                        BodyStep::Done
                    } else {
                        BodyStep::More
                    },
                )
            }
            Framing::Chunked(mut st) => {
                let mut i = 0;
                let step = loop {
                    if i >= data.len() {
                        break BodyStep::More;
                    }
                    match &mut st {
                        Chunked::Data(rem) => {
                            let n = ((data.len() - i) as u64).min(*rem) as usize;
                            acc.push(&data[i..i + n]);
                            i += n;
                            *rem -= n as u64;
                            if *rem == 0 {
                                st = Chunked::DataEnd;
                            }
                        }
                        Chunked::DataEnd => {
                            let b = data[i];
                            i += 1;
                            match b {
                                b'\r' => {}
                                b'\n' => {
                                    st = Chunked::Size {
                                        val: 0,
                                        digits: 0,
                                        ext: false,
                                        line: 0,
                                    }
                                }
                                _ => break BodyStep::Bad("bad chunked framing"),
                            }
                        }
                        Chunked::Size {
                            val,
                            digits,
                            ext,
                            line,
                        } => {
                            let b = data[i];
                            i += 1;
                            *line += 1;
                            if *line > MAX_LINE {
                                break BodyStep::Bad("chunk-size line too long");
                            }
                            match b {
                                b'\n' => {
                                    if *digits == 0 {
                                        break BodyStep::Bad("bad chunk size");
                                    }
                                    st = if *val == 0 {
                                        Chunked::Trailer { line: 0 }
                                    } else {
                                        Chunked::Data(*val)
                                    };
                                }
                                b'\r' => {}
                                _ if *ext => {}
                                b';' | b' ' | b'\t' if *digits > 0 => *ext = true,
                                _ => match (b as char).to_digit(16) {
                                    Some(d) if *digits < 15 => {
                                        *val = *val * 16 + u64::from(d);
                                        *digits += 1;
                                    }
                                    _ => break BodyStep::Bad("bad chunk size"),
                                },
                            }
                        }
                        Chunked::Trailer { line } => {
                            let b = data[i];
                            i += 1;
                            match b {
                                b'\n' if *line == 0 => break BodyStep::Done,
                                b'\n' => *line = 0,
                                b'\r' => {}
                                _ => {
                                    *line += 1;
                                    if *line > MAX_LINE {
                                        break BodyStep::Bad("trailer line too long");
                                    }
                                }
                            }
                        }
                    }
                };
                self.phase = Phase::Body(Framing::Chunked(st));
                (i, step)
            }
        }
    }
}

struct ReqPart {
    ts: Timestamp,
    packet: u64,
    head: Head,
    body: Option<Body>,
    complete: bool,
}

struct RespPart {
    ts: Timestamp,
    head: Head,
    body: Option<Body>,
    complete: bool,
}

struct Pending {
    seq: u64,
    depth: u32,
    req: ReqPart,
    resp: Option<RespPart>,
}

/// HTTP on one connection: feed it both streams, collect transactions.
pub struct HttpConn {
    uid: String,
    flow: FlowId,
    max_header: usize,
    max_body: usize,
    max_decoded: usize,
    halves: [Half; 2],
    queue: VecDeque<Pending>,
    next_seq: u64,
    depth: u32,
    /// Set when the first client message did not parse: not HTTP.
    rejected: bool,
    /// What [`held`](Self::held) said last time the engine counted it.
    pub(crate) accounted: usize,
}

/// What one queued message costs besides its body bytes (head, headers).
const MESSAGE_COST: usize = 512;

impl HttpConn {
    /// A connection with id `uid` between `flow`'s ends (orig = client).
    pub fn new(uid: String, flow: FlowId, limits: &NetLimits) -> HttpConn {
        HttpConn {
            uid,
            flow,
            max_header: limits.max_header.max(16),
            max_body: limits.max_body,
            max_decoded: limits.max_decoded,
            halves: [Half::new(), Half::new()],
            queue: VecDeque::new(),
            next_seq: 0,
            depth: 0,
            rejected: false,
            accounted: 0,
        }
    }

    /// Bytes this parser holds, an upper bound: header buffers, the kept
    /// bytes of bodies being received (counted at their limit) and of queued
    /// messages. The engine keeps the sum over connections under
    /// [`NetLimits::max_total_buffer`].
    pub fn held(&self) -> usize {
        let open: usize = self
            .halves
            .iter()
            .map(|h| h.hbuf.len() + if h.body.is_some() { self.max_body } else { 0 })
            .sum();
        let body = |b: &Option<Body>| b.as_ref().map_or(0, |b| b.data.len());
        let queued: usize = self
            .queue
            .iter()
            .map(|p| {
                MESSAGE_COST
                    + p.req.head.size()
                    + body(&p.req.body)
                    + p.resp.as_ref().map_or(0, |r| r.head.size() + body(&r.body))
            })
            .sum();
        open + queued
    }

    /// Whether at least one HTTP message parsed.
    pub fn parsed_any(&self) -> bool {
        self.halves.iter().any(|h| h.messages > 0)
    }

    /// Whether the client stream turned out not to be HTTP.
    pub fn rejected(&self) -> bool {
        self.rejected
    }

    /// Whether neither stream will be parsed any further.
    pub fn done(&self) -> bool {
        self.halves.iter().all(|h| matches!(h.phase, Phase::Dead))
    }

    /// The next bytes of one stream, first seen at `ts` in capture packet
    /// `packet`. Finished transactions and problems go to `out`.
    pub fn data(
        &mut self,
        side: Side,
        mut data: &[u8],
        ts: Timestamp,
        packet: u64,
        out: &mut Vec<NetItem>,
    ) {
        let i = side as usize;
        loop {
            if data.is_empty() {
                return;
            }
            let max_header = self.max_header;
            let h = &mut self.halves[i];
            match h.phase {
                Phase::Dead => return,
                Phase::Resync => {
                    let mut cand = if h.at_line_start { Some(0) } else { None };
                    if cand.is_none_or(|c| !looks_like_start(side, &data[c..])) {
                        cand = memchr::memchr_iter(b'\n', data)
                            .map(|p| p + 1)
                            .find(|&c| looks_like_start(side, &data[c..]));
                    }
                    match cand {
                        Some(c) => {
                            h.phase = Phase::Headers;
                            h.hbuf.clear();
                            data = &data[c..];
                        }
                        None => {
                            h.at_line_start = data.last() == Some(&b'\n');
                            return;
                        }
                    }
                }
                Phase::Headers => {
                    if h.hbuf.is_empty() {
                        let n = data
                            .iter()
                            .take_while(|&&b| b == b'\r' || b == b'\n')
                            .count();
                        data = &data[n..];
                        if data.is_empty() {
                            return;
                        }
                        if let Some(e) = header_end(data, 0).filter(|&e| e <= max_header) {
                            self.on_head(side, &data[..e], ts, packet, out);
                            data = &data[e..];
                            continue;
                        }
                        if data.len() > max_header {
                            self.give_up(side, packet, out);
                            return;
                        }
                        h.hbuf.extend_from_slice(data);
                        self.start_ts(side, ts, packet);
                        return;
                    }
                    let old = h.hbuf.len();
                    let take = data.len().min((max_header + 1).saturating_sub(old));
                    h.hbuf.extend_from_slice(&data[..take]);
                    match header_end(&h.hbuf, old.saturating_sub(3)) {
                        Some(e) if e <= max_header => {
                            let used = e.saturating_sub(old).min(data.len());
                            let block = std::mem::take(&mut h.hbuf);
                            self.on_head(side, &block[..e], ts, packet, out);
                            data = &data[used..];
                        }
                        _ => {
                            if h.hbuf.len() > max_header {
                                self.give_up(side, packet, out);
                            }
                            return;
                        }
                    }
                }
                Phase::Body(_) => {
                    let (used, step) = h.body_bytes(data);
                    data = &data[used..];
                    match step {
                        BodyStep::More => {}
                        BodyStep::Done => self.end_message(side, None, out),
                        BodyStep::Bad(why) => {
                            self.end_message(side, Some(why.to_string()), out);
                            let h = &mut self.halves[i];
                            if matches!(h.phase, Phase::Headers) {
                                h.phase = Phase::Resync;
                                h.at_line_start = false;
                            }
                        }
                    }
                }
            }
        }
    }

    /// `n` bytes of one stream were never captured.
    pub fn gap(&mut self, side: Side, n: u64, out: &mut Vec<NetItem>) {
        let i = side as usize;
        let h = &mut self.halves[i];
        match h.phase {
            Phase::Dead => {}
            Phase::Body(Framing::Length(rem)) => {
                if let Some(acc) = h.body.as_mut() {
                    acc.missing(n.min(rem));
                }
                if n < rem {
                    h.phase = Phase::Body(Framing::Length(rem - n));
                } else {
                    self.end_message(side, None, out);
                    let h = &mut self.halves[i];
                    if n > rem && matches!(h.phase, Phase::Headers) {
                        h.phase = Phase::Resync;
                        h.at_line_start = true;
                    }
                }
            }
            Phase::Body(Framing::UntilClose) => {
                if let Some(acc) = h.body.as_mut() {
                    acc.missing(n);
                }
            }
            Phase::Body(Framing::Chunked(_)) => {
                self.end_message(
                    side,
                    Some(format!("{n} body bytes missing from the capture")),
                    out,
                );
                let h = &mut self.halves[i];
                if matches!(h.phase, Phase::Headers) {
                    h.phase = Phase::Resync;
                    h.at_line_start = true;
                }
            }
            Phase::Headers | Phase::Resync => {
                let partial = std::mem::take(&mut h.hbuf);
                let first = h.first.take();
                h.phase = Phase::Resync;
                h.at_line_start = true;
                self.cut_head(side, &partial, first, out);
            }
        }
    }

    /// A header block cut short by missing bytes (a snap length, a lost
    /// segment): its complete lines still make a message, closed at once
    /// with a problem, so request lines and headers that survive are kept.
    fn cut_head(
        &mut self,
        side: Side,
        partial: &[u8],
        first: Option<(Timestamp, u64)>,
        out: &mut Vec<NetItem>,
    ) {
        let (Some(cut), Some((ts, packet))) = (memchr::memrchr(b'\n', partial), first) else {
            return;
        };
        let mut block = partial[..=cut].to_vec();
        block.extend_from_slice(b"\r\n");
        let i = side as usize;
        let before = self.halves[i].messages;
        self.on_head(side, &block, ts, packet, out);
        let h = &mut self.halves[i];
        if h.messages == before {
            h.phase = Phase::Resync;
            h.at_line_start = true;
            return;
        }
        let why = "header block cut short by missing bytes".to_string();
        if matches!(h.phase, Phase::Body(_)) {
            self.end_message(side, Some(why), out);
        } else if let Some(p) = self.queue.iter_mut().find(|p| Some(p.seq) == h.target) {
            let body = match side {
                Side::Client => p.req.body.as_mut(),
                Side::Server => p.resp.as_mut().and_then(|r| r.body.as_mut()),
            };
            if let Some(b) = body {
                b.truncated = true;
                b.problem.get_or_insert(why);
            }
        }
        let h = &mut self.halves[i];
        if !matches!(h.phase, Phase::Dead) {
            h.phase = Phase::Resync;
            h.at_line_start = true;
        }
    }

    /// The connection ended: close open messages and emit every pending
    /// transaction, with or without its response.
    pub fn finish(&mut self, out: &mut Vec<NetItem>) {
        for side in [Side::Client, Side::Server] {
            if let Phase::Body(f) = self.halves[side as usize].phase {
                let problem = match f {
                    Framing::UntilClose => None,
                    _ => Some("connection ended inside the body".to_string()),
                };
                self.end_message(side, problem, out);
            }
            let h = &mut self.halves[side as usize];
            h.phase = Phase::Dead;
            h.hbuf = Vec::new();
        }
        while let Some(p) = self.queue.pop_front() {
            self.emit(p, out);
        }
    }

    fn start_ts(&mut self, side: Side, ts: Timestamp, packet: u64) {
        self.halves[side as usize].first = Some((ts, packet));
    }

    fn give_up(&mut self, side: Side, packet: u64, out: &mut Vec<NetItem>) {
        let max = self.max_header;
        let h = &mut self.halves[side as usize];
        h.phase = Phase::Dead;
        h.hbuf = Vec::new();
        h.problem_once(packet, out, || {
            format!(
                "HTTP {} header block over {max} bytes; HTTP parsing stopped on this stream",
                side.message()
            )
        });
    }

    fn on_head(
        &mut self,
        side: Side,
        block: &[u8],
        ts: Timestamp,
        packet: u64,
        out: &mut Vec<NetItem>,
    ) {
        let i = side as usize;
        let (ts, packet) = self.halves[i].first.take().unwrap_or((ts, packet));
        let Some(head) = parse_head(side, block) else {
            let h = &mut self.halves[i];
            if side == Side::Client && h.messages == 0 {
                self.rejected = true;
                for h in &mut self.halves {
                    h.phase = Phase::Dead;
                }
                return;
            }
            h.phase = Phase::Resync;
            h.at_line_start = false;
            h.problem_once(packet, out, || {
                format!("unparsable HTTP {} header; resynchronising", side.message())
            });
            return;
        };
        self.halves[i].messages += 1;
        match side {
            Side::Client => self.on_request(head, ts, packet, out),
            Side::Server => self.on_response(head, ts, out),
        }
    }

    fn on_request(&mut self, head: Head, ts: Timestamp, packet: u64, out: &mut Vec<NetItem>) {
        if self.queue.len() >= MAX_PENDING {
            if let Some(p) = self.queue.pop_front() {
                self.emit(p, out);
            }
        }
        let framing = if head.chunked() {
            Some(Framing::Chunked(Chunked::Size {
                val: 0,
                digits: 0,
                ext: false,
                line: 0,
            }))
        } else {
            match head.content_length() {
                Some(n) if n > 0 => Some(Framing::Length(n)),
                _ => None,
            }
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.depth = self.depth.saturating_add(1);
        let coding = head.coding();
        let complete = framing.is_none();
        self.queue.push_back(Pending {
            seq,
            depth: self.depth,
            req: ReqPart {
                ts,
                packet,
                head,
                body: complete.then(Body::default),
                complete,
            },
            resp: None,
        });
        let h = &mut self.halves[0];
        h.target = Some(seq);
        if let Some(f) = framing {
            h.phase = Phase::Body(f);
            h.body = Some(BodyAcc::new(coding, self.max_body, self.max_decoded));
        } else {
            h.phase = Phase::Headers;
            self.emit_ready(out);
        }
    }

    fn on_response(&mut self, head: Head, ts: Timestamp, out: &mut Vec<NetItem>) {
        let status = head.status;
        if (100..200).contains(&status) && status != 101 {
            return; // interim response (100 Continue...)
        }
        let slot = self.queue.iter().position(|p| p.resp.is_none());
        let (is_head, is_connect) = slot
            .and_then(|s| self.queue.get(s))
            .map(|p| {
                (
                    p.req.head.method.eq_ignore_ascii_case("HEAD"),
                    p.req.head.method.eq_ignore_ascii_case("CONNECT"),
                )
            })
            .unwrap_or((false, false));
        let tunnel = status == 101 || (is_connect && (200..300).contains(&status));
        let framing = if is_head || tunnel || status == 204 || status == 304 || status < 200 {
            None
        } else if head.chunked() {
            Some(Framing::Chunked(Chunked::Size {
                val: 0,
                digits: 0,
                ext: false,
                line: 0,
            }))
        } else {
            match head.content_length() {
                Some(0) => None,
                Some(n) => Some(Framing::Length(n)),
                None => Some(Framing::UntilClose),
            }
        };
        let coding = head.coding();
        let complete = framing.is_none();
        let target = slot.and_then(|s| self.queue.get_mut(s)).map(|p| {
            p.resp = Some(RespPart {
                ts,
                head,
                body: complete.then(Body::default),
                complete,
            });
            p.seq
        });
        let h = &mut self.halves[1];
        h.target = target;
        if let Some(f) = framing {
            h.phase = Phase::Body(f);
            h.body = Some(BodyAcc::new(coding, self.max_body, self.max_decoded));
        } else {
            h.phase = Phase::Headers;
        }
        if tunnel {
            for h in &mut self.halves {
                h.phase = Phase::Dead;
                h.hbuf = Vec::new();
            }
        }
        self.emit_ready(out);
    }

    /// The current message of `side` ended (`problem`: early).
    fn end_message(&mut self, side: Side, problem: Option<String>, out: &mut Vec<NetItem>) {
        let h = &mut self.halves[side as usize];
        h.phase = Phase::Headers;
        let body = h
            .body
            .take()
            .map(|acc| acc.finish(problem))
            .unwrap_or_default();
        let Some(seq) = h.target.take() else {
            return;
        };
        let Some(p) = self.queue.iter_mut().find(|p| p.seq == seq) else {
            return;
        };
        match side {
            Side::Client => {
                p.req.body = Some(body);
                p.req.complete = true;
            }
            Side::Server => {
                if let Some(r) = p.resp.as_mut() {
                    r.body = Some(body);
                    r.complete = true;
                }
            }
        }
        self.emit_ready(out);
    }

    fn emit_ready(&mut self, out: &mut Vec<NetItem>) {
        while self
            .queue
            .front()
            .is_some_and(|p| p.req.complete && p.resp.as_ref().is_some_and(|r| r.complete))
        {
            if let Some(p) = self.queue.pop_front() {
                self.emit(p, out);
            }
        }
    }

    fn emit(&self, p: Pending, out: &mut Vec<NetItem>) {
        let req = p.req;
        let tx = HttpTransaction {
            uid: self.uid.clone(),
            flow: self.flow,
            trans_depth: p.depth,
            ts: req.ts,
            packet: req.packet,
            method: req.head.method,
            uri: req.head.uri,
            version: req.head.version,
            request_headers: req.head.headers,
            request_body: req.body.unwrap_or_default(),
            response: p.resp.map(|r| HttpResponse {
                ts: r.ts,
                status: r.head.status,
                reason: r.head.reason,
                headers: r.head.headers,
                body: r.body.unwrap_or_default(),
            }),
        };
        out.push(NetItem::Record(NetRecord::Http(Box::new(tx))));
    }
}

/// Parses a client stream and a server stream of one connection, each fed
/// in pieces of `piece` bytes (at least 1), the client's first (so every
/// response finds its request), and returns what came out: transactions
/// and problems. For tests and fuzzing.
pub fn parse_streams(
    client: &[u8],
    server: &[u8],
    piece: usize,
    limits: &NetLimits,
) -> Vec<NetItem> {
    use std::net::{IpAddr, Ipv4Addr};
    let ep = |last, port| crate::Endpoint {
        ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, last)),
        port,
    };
    let flow = FlowId {
        orig: ep(1, 40000),
        resp: ep(2, 80),
    };
    let mut conn = HttpConn::new("Ctest".into(), flow, limits);
    let mut out = Vec::new();
    let piece = piece.max(1);
    let ts = Timestamp::from_unix_secs(0);
    for (side, bytes) in [(Side::Client, client), (Side::Server, server)] {
        for (n, p) in bytes.chunks(piece).enumerate() {
            conn.data(side, p, ts, n as u64 + 1, &mut out);
        }
    }
    conn.finish(&mut out);
    out
}

#[cfg(test)]
mod tests;
