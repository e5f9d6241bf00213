//! One HTTP transaction (`_path = "http"`) and one connection
//! (`_path = "conn"`) as the analysis sees them, read from an [`Event`]'s
//! Zeek field names (`docs/network-fields.md`).

pub(crate) use crate::weblog::request::{text, Method};
use crate::weblog::shapes::{cut, percent_decode};
use ferret_core::{Event, LogFormat, Timestamp, Value};
use std::borrow::Cow;

/// Which log of a capture or Zeek an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Path {
    /// `http`: one request and its response.
    Http,
    /// `conn`: one connection.
    Conn,
}

/// The network log an event belongs to; `None` for other formats and logs.
pub(crate) fn path_of(e: &Event) -> Option<Path> {
    if !matches!(e.format, LogFormat::Pcap | LogFormat::Zeek) {
        return None;
    }
    match e.fields.get("_path")? {
        Value::Str(p) if p == "http" => Some(Path::Http),
        Value::Str(p) if p == "conn" => Some(Path::Conn),
        _ => None,
    }
}

/// A non-negative integer field.
pub(crate) fn uint(e: &Event, name: &str) -> Option<u64> {
    e.fields
        .get(name)
        .and_then(Value::as_i64)
        .and_then(|v| u64::try_from(v).ok())
}

/// A finite number field (Float, Int or numeric text).
pub(crate) fn float(e: &Event, name: &str) -> Option<f64> {
    let v = match e.fields.get(name)? {
        Value::Float(f) => *f,
        Value::Int(i) => *i as f64,
        Value::Str(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    v.is_finite().then_some(v)
}

fn boolean(e: &Event, name: &str) -> bool {
    match e.fields.get(name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Str(s)) => s.eq_ignore_ascii_case("t") || s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// `ip:port`, or the address alone when the port is unknown.
pub(crate) fn endpoint(ip: &str, port: Option<u64>) -> String {
    match port {
        Some(p) if ip.contains(':') => format!("[{ip}]:{p}"),
        Some(p) => format!("{ip}:{p}"),
        None => ip.to_owned(),
    }
}

/// The fields of one HTTP transaction the analysis uses.
#[derive(Debug, Clone)]
pub(crate) struct Txn<'a> {
    /// `ip:port` of the server (or `-` when the event names no server).
    pub server: String,
    pub client: Option<Cow<'a, str>>,
    pub client_port: Option<u64>,
    /// The Host header, lowercase.
    pub host: Option<String>,
    pub method: Method,
    /// The URI stem: decoded, path parameters cut, at most `max_uri_len` bytes.
    pub uri: String,
    /// The raw query, without `?`.
    pub query: Option<&'a str>,
    pub status: Option<i64>,
    pub user_agent: Option<Cow<'a, str>>,
    pub accept: Option<Cow<'a, str>>,
    pub content_type: Option<Cow<'a, str>>,
    pub cookie: Option<Cow<'a, str>>,
    pub req_body: Option<&'a str>,
    pub resp_body: Option<&'a str>,
    pub req_len: Option<u64>,
    pub resp_len: Option<u64>,
    pub req_entropy: Option<f64>,
    pub resp_entropy: Option<f64>,
    pub req_truncated: bool,
    pub time: Option<Timestamp>,
}

fn str_field<'e>(e: &'e Event, name: &str) -> Option<&'e str> {
    match e.fields.get(name)? {
        Value::Str(s) if !s.is_empty() => Some(s.as_str()),
        _ => None,
    }
}

impl<'a> Txn<'a> {
    /// The transaction an `http` event records (after [`path_of`]).
    pub(crate) fn from_event(e: &'a Event, max_uri_len: usize) -> Txn<'a> {
        let server_ip = text(e, "id.resp_h").map(|h| trim_cow(h, 64));
        let server_port = uint(e, "id.resp_p");
        let host = text(e, "host").map(|h| cut(h.trim(), 255).to_ascii_lowercase());
        let server = match &server_ip {
            Some(ip) => endpoint(ip, server_port),
            None => host.clone().unwrap_or_else(|| "-".to_owned()),
        };
        let raw_uri = str_field(e, "uri").unwrap_or("");
        let (stem, query) = match raw_uri.split_once('?') {
            Some((s, q)) => (s, Some(q).filter(|q| !q.is_empty())),
            None => (raw_uri, None),
        };
        // An absolute-form request target (proxy requests) keeps only its path.
        let stem = match stem.find("://") {
            Some(i) => stem[i + 3..].find('/').map_or("/", |j| &stem[i + 3 + j..]),
            None => stem,
        };
        let stem = stem.split(';').next().unwrap_or_default();
        let mut uri = percent_decode(cut(stem, max_uri_len.saturating_mul(3)), false);
        uri.truncate(cut(&uri, max_uri_len).len());
        if uri.is_empty() {
            uri.push('/');
        }
        let method = Method::of(text(e, "method").as_deref());
        Txn {
            server,
            client: text(e, "id.orig_h").map(|h| trim_cow(h, 64)),
            client_port: uint(e, "id.orig_p"),
            host,
            method,
            uri,
            query,
            status: e.fields.get("status_code").and_then(Value::as_i64),
            user_agent: text(e, "user_agent"),
            accept: text(e, "request_header.accept"),
            content_type: text(e, "request_header.content-type"),
            cookie: text(e, "request_header.cookie"),
            req_body: str_field(e, "request_body"),
            resp_body: str_field(e, "response_body"),
            req_len: uint(e, "request_body_len"),
            resp_len: uint(e, "response_body_len"),
            req_entropy: float(e, "request_body_entropy"),
            resp_entropy: float(e, "response_body_entropy"),
            req_truncated: boolean(e, "request_body_truncated"),
            time: e.time,
        }
    }

    /// Whether the request reached something: no status captured, or below 400.
    pub(crate) fn answered(&self) -> bool {
        self.status.is_none_or(|s| s < 400)
    }

    /// Whether the URI stem names a server-side script.
    pub(crate) fn is_script(&self, extensions: &[String]) -> bool {
        let name = self.uri.rsplit(['/', '\\']).next().unwrap_or(&self.uri);
        name.rsplit_once('.').is_some_and(|(_, ext)| {
            extensions
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext.trim_end()))
        })
    }
}

/// The fields of one connection the analysis uses.
#[derive(Debug, Clone)]
pub(crate) struct Conn<'a> {
    pub orig_h: Cow<'a, str>,
    pub orig_p: Option<u64>,
    pub resp_h: Cow<'a, str>,
    pub resp_p: Option<u64>,
    /// `tcp`, `udp`, `icmp` (lowercase; `-` when not recorded).
    pub proto: String,
    /// Seconds.
    pub duration: Option<f64>,
    pub time: Option<Timestamp>,
}

impl<'a> Conn<'a> {
    /// The connection a `conn` event records; `None` without both addresses.
    pub(crate) fn from_event(e: &'a Event) -> Option<Conn<'a>> {
        let proto = text(e, "proto")
            .map(|p| cut(p.trim(), 8).to_ascii_lowercase())
            .unwrap_or_else(|| "-".to_owned());
        Some(Conn {
            orig_h: text(e, "id.orig_h").map(|h| trim_cow(h, 64))?,
            orig_p: uint(e, "id.orig_p"),
            resp_h: text(e, "id.resp_h").map(|h| trim_cow(h, 64))?,
            resp_p: uint(e, "id.resp_p"),
            proto,
            duration: float(e, "duration").filter(|d| *d >= 0.0),
            time: e.time,
        })
    }
}

/// `s` trimmed and cut to `max` bytes.
fn trim_cow(s: Cow<'_, str>, max: usize) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(cut(b.trim(), max)),
        Cow::Owned(o) => Cow::Owned(cut(o.trim(), max).to_owned()),
    }
}
