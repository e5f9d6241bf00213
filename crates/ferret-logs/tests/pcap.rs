//! Packet captures end to end: a hand-built pcap (one HTTP POST on one TCP
//! connection) read through the dispatch path, plain, gzipped and as a zip
//! member, becomes Zeek-named `http` and `conn` events.

use ferret_core::{Event, LogFormat, Value};
use ferret_logs::{read_bytes, read_file, Collected, LogFile, ReadOptions};
use std::io::Write;

const CLIENT: [u8; 4] = [10, 0, 0, 5];
const SERVER: [u8; 4] = [192, 168, 1, 10];
const SYN: u8 = 0x02;
const ACK: u8 = 0x10;
const PSH: u8 = 0x08;
const FIN: u8 = 0x01;

const REQUEST: &[u8] = b"POST /uploads/cmd.aspx?c=whoami HTTP/1.1\r\nHost: intranet.example\r\n\
User-Agent: python-requests/2.31\r\nCookie: s=1\r\nCookie: t=2\r\nContent-Length: 11\r\n\r\ncmd=whoami!";
const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\nnt authority\\system\n";

/// One Ethernet/IPv4/TCP frame.
fn frame(from_client: bool, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let (src, dst, sport, dport) = if from_client {
        (CLIENT, SERVER, 51234u16, 80u16)
    } else {
        (SERVER, CLIENT, 80, 51234)
    };
    let mut f = Vec::new();
    f.extend_from_slice(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
    f.extend_from_slice(&[0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb]);
    f.extend_from_slice(&[0x08, 0x00]);
    let total = (20 + 20 + payload.len()) as u16;
    let mut ip = vec![0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0];
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    let sum = checksum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&ack.to_be_bytes());
    f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    f.extend_from_slice(payload);
    f
}

fn checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A little-endian microsecond pcap of one HTTP exchange.
fn capture() -> Vec<u8> {
    let (c, s) = (1000u32, 5000u32);
    let req = REQUEST.len() as u32;
    let resp = RESPONSE.len() as u32;
    let frames = [
        frame(true, c, 0, SYN, b""),
        frame(false, s, c + 1, SYN | ACK, b""),
        frame(true, c + 1, s + 1, ACK, b""),
        frame(true, c + 1, s + 1, PSH | ACK, REQUEST),
        frame(false, s + 1, c + 1 + req, PSH | ACK, RESPONSE),
        frame(true, c + 1 + req, s + 1 + resp, FIN | ACK, b""),
        frame(false, s + 1 + resp, c + 2 + req, FIN | ACK, b""),
        frame(true, c + 2 + req, s + 2 + resp, ACK, b""),
    ];
    let mut out = Vec::new();
    out.extend_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        out.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        out.extend_from_slice(&(i as u32 * 1000).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

fn text(e: &Event, name: &str) -> Option<String> {
    e.fields.text(name).map(|t| t.into_owned())
}

fn check(c: &Collected, path: &str) {
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert!(c.events.iter().all(|e| e.format == LogFormat::Pcap));
    assert!(c.events.iter().all(|e| e.source.path == path));
    let http: Vec<&Event> = c
        .events
        .iter()
        .filter(|e| text(e, "_path").as_deref() == Some("http"))
        .collect();
    let conn: Vec<&Event> = c
        .events
        .iter()
        .filter(|e| text(e, "_path").as_deref() == Some("conn"))
        .collect();
    assert_eq!((http.len(), conn.len()), (1, 1), "{:?}", c.events);
    let h = http[0];
    assert_eq!(h.source.record_id, Some(4));
    assert_eq!(h.source.line, None);
    assert_eq!(
        h.time.map(|t| t.to_rfc3339()).as_deref(),
        Some("2023-11-14T22:13:20.003000Z")
    );
    assert_eq!(text(h, "method").as_deref(), Some("POST"));
    assert_eq!(
        text(h, "uri").as_deref(),
        Some("/uploads/cmd.aspx?c=whoami")
    );
    assert_eq!(text(h, "host").as_deref(), Some("intranet.example"));
    assert_eq!(h.fields.get("status_code"), Some(&Value::Int(200)));
    assert_eq!(h.fields.get("request_body_len"), Some(&Value::Int(11)));
    assert_eq!(text(h, "request_body").as_deref(), Some("cmd=whoami!"));
    assert_eq!(
        text(h, "response_body").as_deref(),
        Some("nt authority\\system\n")
    );
    assert!(matches!(
        h.fields.get("response_body_entropy"),
        Some(Value::Float(e)) if *e > 2.0 && *e < 8.0
    ));
    assert_eq!(
        h.fields.get("request_body_truncated"),
        Some(&Value::Bool(false))
    );
    assert_eq!(
        text(h, "request_header.cookie").as_deref(),
        Some("s=1, t=2")
    );
    assert_eq!(
        text(h, "response_header.content-type").as_deref(),
        Some("text/plain")
    );
    assert_eq!(text(h, "cs-uri-stem").as_deref(), Some("/uploads/cmd.aspx"));
    assert_eq!(text(h, "cs-uri-query").as_deref(), Some("c=whoami"));
    assert_eq!(text(h, "c-ip").as_deref(), Some("10.0.0.5"));
    assert_eq!(text(h, "s-port").as_deref(), Some("80"));
    assert_eq!(h.fields.get("sc-status"), Some(&Value::Int(200)));
    assert_eq!(text(h, "cs-cookie").as_deref(), Some("s=1, t=2"));
    let k = conn[0];
    assert_eq!(k.source.record_id, Some(1));
    assert_eq!(text(k, "uid"), text(h, "uid"));
    assert_eq!(text(k, "proto").as_deref(), Some("tcp"));
    assert_eq!(text(k, "service").as_deref(), Some("http"));
    assert_eq!(text(k, "conn_state").as_deref(), Some("SF"));
    assert_eq!(
        k.fields.get("orig_bytes"),
        Some(&Value::Int(REQUEST.len() as i64))
    );
    assert_eq!(k.fields.get("orig_pkts"), Some(&Value::Int(5)));
    assert_eq!(k.fields.get("resp_pkts"), Some(&Value::Int(3)));
}

fn gz_of(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn capture_plain_gz_zip_and_file() {
    let cap = capture();
    let opts = ReadOptions::default();
    let c = Collected::from_read(|s| read_bytes("web.pcap", &cap, &opts, s));
    check(&c, "web.pcap");
    assert_eq!(c.stats.bytes, cap.len() as u64);

    let c = Collected::from_read(|s| read_bytes("web.pcap.gz", &gz_of(&cap), &opts, s));
    check(&c, "web.pcap.gz");

    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("caps/web.pcap", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(&cap).unwrap();
    let z = w.finish().unwrap().into_inner();
    let c = Collected::from_read(|s| read_bytes("caps.zip", &z, &opts, s));
    check(&c, "caps.zip!caps/web.pcap");

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("web.pcap");
    std::fs::write(&p, &cap).unwrap();
    let file = LogFile {
        display: "web.pcap".into(),
        path: p,
        size: cap.len() as u64,
        walked: true,
    };
    let c = Collected::from_read(|s| read_file(&file, &opts, s));
    check(&c, "web.pcap");
}

#[test]
fn damaged_capture_keeps_what_was_read() {
    let cap = capture();
    let cut = &cap[..cap.len() - 30];
    let c = Collected::from_read(|s| read_bytes("cut.pcap", cut, &ReadOptions::default(), s));
    assert!(c
        .events
        .iter()
        .any(|e| text(e, "_path").as_deref() == Some("http")));
    assert!(c.errors.iter().all(|e| e.path == "cut.pcap"));
    assert_eq!(c.stats.events, c.events.len() as u64);
    assert_eq!(c.stats.errors, c.errors.len() as u64);
}
