//! What a capture yields: the public record types.

use ferret_core::Timestamp;
use std::net::IpAddr;
use std::ops::ControlFlow;

/// Bounds that keep a hostile capture from exhausting memory or time.
#[derive(Debug, Clone)]
pub struct NetLimits {
    /// Bytes buffered out of order (waiting for a gap) per stream direction;
    /// beyond it the gap is skipped and counted as missed.
    pub max_stream_buffer: usize,
    /// Bytes buffered over all streams and HTTP parsers (header blocks, kept
    /// bodies, queued messages); beyond it the stream or parser that grows
    /// skips ahead or stops early (counted, one problem per capture).
    pub max_total_buffer: usize,
    /// Live connections tracked at once; beyond it the least recently seen
    /// one is closed early (its record says so).
    pub max_flows: usize,
    /// Bytes of an HTTP header block; longer ones end the HTTP parse of that
    /// stream (counted).
    pub max_header: usize,
    /// Decoded body bytes kept per message (the excerpt analysers see); the
    /// full length is still counted.
    pub max_body: usize,
    /// Bytes a chunked/gzip/deflate body may expand to before decoding stops
    /// (decompression bombs).
    pub max_decoded: usize,
    /// Seconds without a packet after which a connection is closed.
    pub idle_timeout_secs: u64,
}

impl Default for NetLimits {
    fn default() -> NetLimits {
        NetLimits {
            max_stream_buffer: 4 << 20,
            max_total_buffer: 256 << 20,
            max_flows: 200_000,
            max_header: 64 << 10,
            max_body: 16 << 10,
            max_decoded: 8 << 20,
            idle_timeout_secs: 300,
        }
    }
}

/// One end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    /// The address.
    pub ip: IpAddr,
    /// The port (0 for ICMP).
    pub port: u16,
}

/// A connection's two ends: `orig` opened it (sent the first SYN, or the
/// first packet seen when the start was not captured), `resp` answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowId {
    /// The originator (client).
    pub orig: Endpoint,
    /// The responder (server).
    pub resp: Endpoint,
}

/// Transport protocol of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP or ICMPv6.
    Icmp,
}

impl Transport {
    /// Zeek's name: `tcp`, `udp`, `icmp`.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
            Transport::Icmp => "icmp",
        }
    }
}

/// An HTTP message body as seen on the wire, decoded up to the limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    /// The first [`NetLimits::max_body`] decoded bytes (chunked and
    /// `Content-Encoding: gzip/deflate` removed).
    pub data: Vec<u8>,
    /// Decoded length (Zeek's `request_body_len`/`response_body_len`), up to
    /// [`NetLimits::max_decoded`].
    pub len: u64,
    /// Whether `data` is shorter than the body (kept bytes ran out, or
    /// decoding stopped at `max_decoded`).
    pub truncated: bool,
    /// Why decoding stopped early (bad chunk size, corrupt gzip, bomb cap,
    /// missing bytes), if it did.
    pub problem: Option<String>,
}

/// One HTTP request and, when captured, its response.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpTransaction {
    /// Connection id shared with the [`ConnRecord`] (Zeek-style `uid`).
    pub uid: String,
    /// Client and server ends.
    pub flow: FlowId,
    /// 1-based position of the request on its connection (`trans_depth`).
    pub trans_depth: u32,
    /// Time of the request's first packet.
    pub ts: Timestamp,
    /// 1-based capture packet number of the request's first packet.
    pub packet: u64,
    /// Request method, as sent (bytes outside ASCII replaced).
    pub method: String,
    /// Request target, as sent (not decoded).
    pub uri: String,
    /// `1.0` or `1.1`.
    pub version: String,
    /// Request headers in order, names as sent, values as raw bytes.
    pub request_headers: Vec<(String, Vec<u8>)>,
    /// Request body.
    pub request_body: Body,
    /// The response, when one was captured.
    pub response: Option<HttpResponse>,
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    /// Time of the response's first packet.
    pub ts: Timestamp,
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Response headers in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Response body.
    pub body: Body,
}

/// Zeek-style connection state, from what the capture saw of the handshake
/// and teardown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// SYN seen, no reply (`S0`).
    S0,
    /// Established, not closed when the capture ended (`S1`).
    S1,
    /// Established and closed normally (`SF`).
    SF,
    /// SYN answered by RST (`REJ`).
    Rej,
    /// Established, then reset by the originator (`RSTO`).
    Rsto,
    /// Established, then reset by the responder (`RSTR`).
    Rstr,
    /// No SYN seen: started before the capture (`OTH`).
    Oth,
}

impl ConnState {
    /// Zeek's name (`S0`, `SF`, `REJ`...).
    pub fn name(self) -> &'static str {
        match self {
            ConnState::S0 => "S0",
            ConnState::S1 => "S1",
            ConnState::SF => "SF",
            ConnState::Rej => "REJ",
            ConnState::Rsto => "RSTO",
            ConnState::Rstr => "RSTR",
            ConnState::Oth => "OTH",
        }
    }
}

/// One connection (Zeek's `conn.log` line), emitted when it closes, times
/// out, is evicted, or the capture ends.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnRecord {
    /// Connection id (Zeek-style `uid`, e.g. `C1a2b3c...`), stable for one
    /// capture.
    pub uid: String,
    /// Client and server ends.
    pub flow: FlowId,
    /// Transport.
    pub proto: Transport,
    /// Time of the first packet.
    pub ts: Timestamp,
    /// 1-based capture packet number of the first packet.
    pub packet: u64,
    /// Microseconds from the first packet to the last.
    pub duration_micros: u64,
    /// Payload bytes sent by the originator.
    pub orig_bytes: u64,
    /// Payload bytes sent by the responder.
    pub resp_bytes: u64,
    /// Packets sent by the originator.
    pub orig_pkts: u64,
    /// Packets sent by the responder.
    pub resp_pkts: u64,
    /// Payload bytes never captured (gaps skipped in reassembly).
    pub missed_bytes: u64,
    /// Handshake/teardown state.
    pub state: ConnState,
    /// `http` when HTTP was parsed on it.
    pub service: Option<&'static str>,
    /// Whether the record was closed early by a limit (flow table full, idle
    /// timeout) rather than by FIN/RST or the end of the capture.
    pub evicted: bool,
}

/// What a capture yields, in capture order (a transaction once its response
/// is complete or its connection ends; a connection when it ends).
#[derive(Debug, Clone, PartialEq)]
pub enum NetRecord {
    /// An HTTP request/response pair.
    Http(Box<HttpTransaction>),
    /// A finished connection.
    Conn(ConnRecord),
}

/// A problem with part of a capture; reading goes on when it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetProblem {
    /// The 1-based packet it is about, if one.
    pub packet: Option<u64>,
    /// What went wrong, in words (no input bytes unescaped: callers escape).
    pub message: String,
}

/// An item of a capture read.
#[derive(Debug, Clone, PartialEq)]
pub enum NetItem {
    /// A record.
    Record(NetRecord),
    /// A problem stepped over (a damaged packet, a stream limit hit).
    Problem(NetProblem),
}

/// What a read measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Packets read.
    pub packets: u64,
    /// Bytes of the capture file read.
    pub bytes: u64,
    /// Packets not decoded (unknown link type, damaged headers, non-IP).
    pub undecoded: u64,
    /// HTTP transactions emitted.
    pub http: u64,
    /// Connections emitted.
    pub conns: u64,
    /// Payload bytes skipped because of gaps or limits.
    pub missed_bytes: u64,
    /// Connections closed early by a limit.
    pub evicted: u64,
}

/// Where a capture read sends items; `Break` stops the read (cancelled).
pub type NetSink<'a> = dyn FnMut(NetItem) -> ControlFlow<()> + 'a;

/// Capture magic numbers: pcap (both byte orders, micro and nano) and
/// pcapng's section header block.
pub fn looks_like_capture(head: &[u8]) -> bool {
    const MAGICS: [[u8; 4]; 5] = [
        [0xd4, 0xc3, 0xb2, 0xa1],
        [0xa1, 0xb2, 0xc3, 0xd4],
        [0x4d, 0x3c, 0xb2, 0xa1],
        [0xa1, 0xb2, 0x3c, 0x4d],
        [0x0a, 0x0d, 0x0d, 0x0a],
    ];
    head.len() >= 4 && MAGICS.iter().any(|m| head[..4] == m[..])
}
