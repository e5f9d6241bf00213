//! Packet captures (pcap, pcapng) as a log source: [`ferret_net`] decodes
//! them; this adapter turns its HTTP transactions and connections into
//! events with Zeek's field names (`_path` = `http` or `conn`, see
//! `docs/network-fields.md`), plus what only a capture has (body excerpts,
//! their entropy, every header) and the canonical web names. Events carry
//! the 1-based packet number as `record_id`. Captures are binary: they are
//! streamed, never read as text.

use crate::netfields::{self, int};
use crate::webfields::WebField;
use crate::{Item, ReadError, ReadOptions, ReadStats, Sink};
use ferret_core::{Event, EventSource, Fields, LogFormat, Value};
use ferret_net::{Body, ConnRecord, HttpTransaction, NetItem, NetProblem, NetRecord};
use std::io::Read;

/// Reads a whole capture from `r`, shown as `display`: one event per HTTP
/// transaction and per connection, one error per problem the decoder stepped
/// over, or one error for the file when it is not a readable capture.
/// `bytes` in the stats is the capture's size.
pub fn read<R: Read>(display: &str, r: R, opts: &ReadOptions, sink: &mut Sink<'_>) -> ReadStats {
    let mut stats = ReadStats::default();
    let result = ferret_net::read_capture(r, &opts.net, &mut |item| {
        let item = item_from_net(display, item);
        match item {
            Item::Event(_) => stats.events += 1,
            Item::Error(_) => stats.errors += 1,
        }
        sink(item)
    });
    match result {
        Ok(capture) => stats.bytes = capture.bytes,
        Err(problem) => {
            stats.errors += 1;
            let _ = sink(Item::Error(error_from_problem(
                display,
                &NetProblem {
                    message: format!("not a readable capture: {}", problem.message),
                    ..problem
                },
            )));
        }
    }
    stats
}

/// The item for one thing the capture decoder handed on.
pub fn item_from_net(display: &str, item: NetItem) -> Item {
    match item {
        NetItem::Record(record) => Item::Event(event_from_record(display, &record)),
        NetItem::Problem(problem) => Item::Error(error_from_problem(display, &problem)),
    }
}

/// The event for one record of a capture shown as `display`.
pub fn event_from_record(display: &str, record: &NetRecord) -> Event {
    let (ts, packet, fields) = match record {
        NetRecord::Http(t) => (t.ts, t.packet, http_fields(t)),
        NetRecord::Conn(c) => (c.ts, c.packet, conn_fields(c)),
    };
    Event {
        source: EventSource {
            path: display.to_owned(),
            record_id: Some(packet),
            line: None,
        },
        format: LogFormat::Pcap,
        time: Some(ts),
        fields,
    }
}

/// The error for a problem the decoder met (about one packet, or the file).
pub fn error_from_problem(display: &str, problem: &NetProblem) -> ReadError {
    ReadError {
        path: display.to_owned(),
        record_id: problem.packet,
        line: None,
        message: problem.message.clone(),
    }
}

/// The fields of one HTTP transaction (`_path` = `http`).
pub fn http_fields(t: &HttpTransaction) -> Fields {
    let request_headers = joined_headers(&t.request_headers);
    let response_headers = t
        .response
        .as_ref()
        .map(|r| joined_headers(&r.headers))
        .unwrap_or_default();
    let header = |name: &str| {
        request_headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let mut f = Fields::with_capacity(
        32 + request_headers.len() + response_headers.len() + WebField::ALL.len(),
    );
    f.push("_path", netfields::HTTP);
    f.push("uid", t.uid.as_str());
    netfields::push_conn_id(
        &mut f,
        (t.flow.orig.ip, t.flow.orig.port),
        (t.flow.resp.ip, t.flow.resp.port),
    );
    f.push("trans_depth", i64::from(t.trans_depth));
    f.push("method", t.method.as_str());
    if let Some(v) = header("host") {
        f.push("host", v);
    }
    f.push("uri", t.uri.as_str());
    if let Some(v) = header("referer") {
        f.push("referrer", v);
    }
    f.push("version", t.version.as_str());
    for (field, name) in [("user_agent", "user-agent"), ("origin", "origin")] {
        if let Some(v) = header(name) {
            f.push(field, v);
        }
    }
    f.push("request_body_len", int(t.request_body.len));
    if let Some(r) = &t.response {
        f.push("response_body_len", int(r.body.len));
        f.push("status_code", i64::from(r.status));
        f.push("status_msg", r.reason.as_str());
    }
    push_body(&mut f, "request", &t.request_body);
    if let Some(r) = &t.response {
        push_body(&mut f, "response", &r.body);
    }
    for (name, value) in request_headers {
        f.push(format!("request_header.{name}"), value);
    }
    for (name, value) in response_headers {
        f.push(format!("response_header.{name}"), value);
    }
    netfields::add_web_names(&mut f);
    f
}

/// The fields of one connection (`_path` = `conn`).
pub fn conn_fields(c: &ConnRecord) -> Fields {
    let mut f = Fields::with_capacity(16);
    f.push("_path", netfields::CONN);
    f.push("uid", c.uid.as_str());
    netfields::push_conn_id(
        &mut f,
        (c.flow.orig.ip, c.flow.orig.port),
        (c.flow.resp.ip, c.flow.resp.port),
    );
    f.push("proto", c.proto.name());
    if let Some(service) = c.service {
        f.push("service", service);
    }
    f.push("duration", Value::Float(c.duration_micros as f64 / 1e6));
    f.push("orig_bytes", int(c.orig_bytes));
    f.push("resp_bytes", int(c.resp_bytes));
    f.push("conn_state", c.state.name());
    f.push("missed_bytes", int(c.missed_bytes));
    f.push("orig_pkts", int(c.orig_pkts));
    f.push("resp_pkts", int(c.resp_pkts));
    if c.evicted {
        f.push("evicted", Value::Bool(true));
    }
    f
}

/// A body's excerpt (lossy UTF-8), its entropy over the kept raw bytes, and
/// whether it was cut; `<side>_body_problem` when decoding stopped early.
/// Nothing for an empty body that lost nothing.
fn push_body(f: &mut Fields, side: &str, body: &Body) {
    if !body.data.is_empty() {
        f.push(format!("{side}_body"), excerpt(&body.data));
        f.push(
            format!("{side}_body_entropy"),
            Value::Float(netfields::entropy(&body.data)),
        );
    }
    if !body.data.is_empty() || body.truncated || body.len > 0 {
        f.push(
            format!("{side}_body_truncated"),
            Value::Bool(body.truncated),
        );
    }
    if let Some(problem) = &body.problem {
        f.push(format!("{side}_body_problem"), problem.as_str());
    }
}

/// Bytes of a body kept as text after its first byte that is not UTF-8.
const BINARY_EXCERPT: usize = 4 << 10;

/// A body as text: all of it when it is UTF-8 (a multi-byte character cut at
/// the end is replaced), else up to [`BINARY_EXCERPT`] bytes past the first
/// invalid byte, lossily. Binary bodies (images, archives, encrypted posts)
/// are told by their entropy and length, which cover every kept byte; turning
/// all of one into replacement characters cost a fifth of a hunt's time.
fn excerpt(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(s) => s.to_owned(),
        Err(e) if e.error_len().is_none() => String::from_utf8_lossy(data).into_owned(),
        Err(e) => {
            let keep = e
                .valid_up_to()
                .saturating_add(BINARY_EXCERPT)
                .min(data.len());
            String::from_utf8_lossy(&data[..keep]).into_owned()
        }
    }
}

/// Headers with lowercased names, values as lossy UTF-8, repeats joined with
/// `, ` under the first one's position.
fn joined_headers(headers: &[(String, Vec<u8>)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        let value = String::from_utf8_lossy(value);
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, joined)) => {
                joined.push_str(", ");
                joined.push_str(&value);
            }
            None => out.push((name, value.into_owned())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn binary_body_excerpt_is_short_text_whole() {
        assert_eq!(super::excerpt(b"cmd=whoami"), "cmd=whoami");
        // A multi-byte character cut by the body limit is replaced, not dropped.
        assert_eq!(
            super::excerpt("ab\u{e9}".as_bytes()[..3].as_ref()),
            "ab\u{fffd}"
        );
        let mut bin = b"PK".to_vec();
        bin.extend((0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80));
        let text = super::excerpt(&bin);
        assert!(text.starts_with("PK"));
        assert!(text.chars().count() <= 2 + super::BINARY_EXCERPT);
    }

    use super::*;
    use ferret_core::Timestamp;
    use ferret_net::{ConnState, Endpoint, FlowId, HttpResponse, Transport};

    fn flow_id() -> FlowId {
        FlowId {
            orig: Endpoint {
                ip: "203.0.113.9".parse().unwrap(),
                port: 50123,
            },
            resp: Endpoint {
                ip: "2001:db8::10".parse().unwrap(),
                port: 8080,
            },
        }
    }

    fn transaction() -> HttpTransaction {
        HttpTransaction {
            uid: "CHhAvVGS1DHFjwGM9".into(),
            flow: flow_id(),
            trans_depth: 2,
            ts: Timestamp::from_unix_micros(1_700_000_000_123_456),
            packet: 17,
            method: "POST".into(),
            uri: "/uploads/shell.aspx?cmd=whoami&x=%20".into(),
            version: "1.1".into(),
            request_headers: vec![
                ("Host".into(), b"intranet.example".to_vec()),
                ("User-Agent".into(), b"Mozilla/5.0".to_vec()),
                ("Cookie".into(), b"a=1".to_vec()),
                ("cookie".into(), b"b=2".to_vec()),
                ("X-Odd".into(), b"\xff\xfeok".to_vec()),
                ("Referer".into(), b"http://intranet.example/".to_vec()),
            ],
            request_body: Body {
                data: b"abab".to_vec(),
                len: 10,
                truncated: true,
                problem: None,
            },
            response: Some(HttpResponse {
                ts: Timestamp::from_unix_micros(1_700_000_000_200_000),
                status: 200,
                reason: "OK".into(),
                headers: vec![("Content-Type".into(), b"text/html".to_vec())],
                body: Body {
                    data: b"nt authority\\system\r\n".to_vec(),
                    len: 21,
                    truncated: false,
                    problem: Some("corrupt gzip".into()),
                },
            }),
        }
    }

    #[test]
    fn http_transaction_becomes_a_zeek_http_event() {
        let rec = NetRecord::Http(Box::new(transaction()));
        let e = event_from_record("cap.pcap", &rec);
        assert_eq!(e.format, LogFormat::Pcap);
        assert_eq!(e.source.record_id, Some(17));
        assert_eq!(e.source.line, None);
        assert_eq!(e.source.path, "cap.pcap");
        assert_eq!(
            e.time.map(|t| t.to_rfc3339()).as_deref(),
            Some("2023-11-14T22:13:20.123456Z")
        );
        let f = &e.fields;
        let text = |n: &str| f.text(n).map(|t| t.into_owned());
        assert_eq!(f.iter().next().map(|(n, _)| n), Some("_path"));
        assert_eq!(text("_path").as_deref(), Some("http"));
        assert_eq!(text("uid").as_deref(), Some("CHhAvVGS1DHFjwGM9"));
        assert_eq!(text("id.orig_h").as_deref(), Some("203.0.113.9"));
        assert_eq!(f.get("id.orig_p"), Some(&Value::Int(50123)));
        assert_eq!(text("id.resp_h").as_deref(), Some("2001:db8::10"));
        assert_eq!(f.get("id.resp_p"), Some(&Value::Int(8080)));
        assert_eq!(f.get("trans_depth"), Some(&Value::Int(2)));
        assert_eq!(text("host").as_deref(), Some("intranet.example"));
        assert_eq!(text("user_agent").as_deref(), Some("Mozilla/5.0"));
        assert_eq!(
            text("referrer").as_deref(),
            Some("http://intranet.example/")
        );
        assert_eq!(f.get("origin"), None);
        assert_eq!(text("version").as_deref(), Some("1.1"));
        assert_eq!(f.get("request_body_len"), Some(&Value::Int(10)));
        assert_eq!(f.get("response_body_len"), Some(&Value::Int(21)));
        assert_eq!(f.get("status_code"), Some(&Value::Int(200)));
        assert_eq!(text("status_msg").as_deref(), Some("OK"));
        assert_eq!(text("request_body").as_deref(), Some("abab"));
        assert_eq!(f.get("request_body_entropy"), Some(&Value::Float(1.0)));
        assert_eq!(f.get("request_body_truncated"), Some(&Value::Bool(true)));
        assert_eq!(f.get("response_body_truncated"), Some(&Value::Bool(false)));
        assert_eq!(
            text("response_body_problem").as_deref(),
            Some("corrupt gzip")
        );
        assert_eq!(text("request_header.cookie").as_deref(), Some("a=1, b=2"));
        assert_eq!(
            text("request_header.x-odd").as_deref(),
            Some("\u{fffd}\u{fffd}ok")
        );
        assert_eq!(
            text("response_header.content-type").as_deref(),
            Some("text/html")
        );
        // Canonical web names.
        assert_eq!(text("cs-method").as_deref(), Some("POST"));
        assert_eq!(text("cs-uri-stem").as_deref(), Some("/uploads/shell.aspx"));
        assert_eq!(text("cs-uri-query").as_deref(), Some("cmd=whoami&x=%20"));
        assert_eq!(
            text("cs-uri").as_deref(),
            Some("/uploads/shell.aspx?cmd=whoami&x=%20")
        );
        assert_eq!(f.get("sc-status"), Some(&Value::Int(200)));
        assert_eq!(text("c-ip").as_deref(), Some("203.0.113.9"));
        assert_eq!(text("s-ip").as_deref(), Some("2001:db8::10"));
        assert_eq!(text("s-port").as_deref(), Some("8080"));
        assert_eq!(text("cs-host").as_deref(), Some("intranet.example"));
        assert_eq!(text("cs-user-agent").as_deref(), Some("Mozilla/5.0"));
        assert_eq!(
            text("cs-referer").as_deref(),
            Some("http://intranet.example/")
        );
        assert_eq!(f.get("cs-bytes"), Some(&Value::Int(10)));
        assert_eq!(f.get("sc-bytes"), Some(&Value::Int(21)));
        assert_eq!(text("cs-cookie").as_deref(), Some("a=1, b=2"));
    }

    #[test]
    fn request_without_response_or_body() {
        let mut t = transaction();
        t.response = None;
        t.request_body = Body::default();
        t.request_headers.clear();
        let f = http_fields(&t);
        for absent in [
            "status_code",
            "status_msg",
            "response_body_len",
            "request_body",
            "request_body_entropy",
            "request_body_truncated",
            "host",
            "sc-status",
            "sc-bytes",
            "cs-host",
            "cs-cookie",
        ] {
            assert_eq!(f.get(absent), None, "{absent}");
        }
        assert_eq!(f.get("request_body_len"), Some(&Value::Int(0)));
        assert_eq!(f.get("cs-bytes"), Some(&Value::Int(0)));
        assert_eq!(
            f.text("cs-uri-stem").as_deref(),
            Some("/uploads/shell.aspx")
        );
    }

    #[test]
    fn conn_record_becomes_a_zeek_conn_event() {
        let c = ConnRecord {
            uid: "C5bLoe2Mvxqhawzqqd".into(),
            flow: flow_id(),
            proto: Transport::Tcp,
            ts: Timestamp::from_unix_secs(1_600_000_000),
            packet: 3,
            duration_micros: 1_500_000,
            orig_bytes: 120,
            resp_bytes: u64::MAX,
            orig_pkts: 6,
            resp_pkts: 5,
            missed_bytes: 0,
            state: ConnState::Rstr,
            service: Some("http"),
            evicted: false,
        };
        let e = event_from_record("c.pcapng", &NetRecord::Conn(c));
        let f = &e.fields;
        assert_eq!(e.source.record_id, Some(3));
        assert_eq!(e.time, Some(Timestamp::from_unix_secs(1_600_000_000)));
        assert_eq!(f.text("_path").as_deref(), Some("conn"));
        assert_eq!(f.text("proto").as_deref(), Some("tcp"));
        assert_eq!(f.text("service").as_deref(), Some("http"));
        assert_eq!(f.get("duration"), Some(&Value::Float(1.5)));
        assert_eq!(f.get("orig_bytes"), Some(&Value::Int(120)));
        assert_eq!(f.get("resp_bytes"), Some(&Value::Int(i64::MAX)));
        assert_eq!(f.get("orig_pkts"), Some(&Value::Int(6)));
        assert_eq!(f.get("missed_bytes"), Some(&Value::Int(0)));
        assert_eq!(f.text("conn_state").as_deref(), Some("RSTR"));
        assert_eq!(f.get("evicted"), None);
        assert_eq!(f.get("cs-method"), None);
    }

    #[test]
    fn problems_become_errors() {
        let item = item_from_net(
            "x.pcap",
            NetItem::Problem(NetProblem {
                packet: Some(9),
                message: "truncated TCP header".into(),
            }),
        );
        let Item::Error(e) = item else {
            panic!("expected an error")
        };
        assert_eq!(e.record_id, Some(9));
        assert_eq!(e.to_string(), "x.pcap (record 9): truncated TCP header");
    }

    #[test]
    fn not_a_capture_is_one_file_error() {
        let c = crate::Collected::from_read(|sink| {
            read(
                "junk.pcap",
                &b"not a capture"[..],
                &ReadOptions::default(),
                sink,
            )
        });
        assert_eq!(c.events.len(), 0);
        assert_eq!(c.errors.len(), 1);
        assert_eq!(c.stats.errors, 1);
        assert!(c.errors[0].message.starts_with("not a readable capture"));
    }
}
