//! Network analysis: hostile HTTP and connection events (built from the fuzz
//! bytes with the field names of docs/network-fields.md) and hostile settings
//! never panic; findings keep their bounds; splitting the events over two
//! analyzers and merging, or reversing them, gives the same findings.
#![no_main]
use ferret_core::{Event, EventSource, Fields, LogFormat, Timestamp, Value};
use ferret_hunt::network::{NetworkAnalyzer, NetworkConfig};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

fn shipped() -> Arc<NetworkConfig> {
    static CFG: OnceLock<Arc<NetworkConfig>> = OnceLock::new();
    CFG.get_or_init(|| Arc::new(NetworkConfig::shipped()))
        .clone()
}

/// Text fields of an `http` event, filled in this order from tab-separated parts.
const HTTP_TEXT: [&str; 12] = [
    "uri",
    "method",
    "request_body",
    "response_body",
    "id.orig_h",
    "id.resp_h",
    "host",
    "user_agent",
    "request_header.accept",
    "request_header.content-type",
    "request_header.cookie",
    "status_code",
];

/// Text fields of a `conn` event.
const CONN_TEXT: [&str; 5] = ["id.orig_h", "id.resp_h", "id.resp_p", "proto", "duration"];

/// One event from one record: the first byte picks the log, format, time and
/// the typed fields; the rest is tab-separated text fields.
fn event(n: usize, rec: &[u8]) -> Option<Event> {
    let (&head, rest) = rec.split_first()?;
    let text = String::from_utf8_lossy(rest);
    let parts: Vec<&str> = text.split('\t').collect();
    let mut f = Fields::new();
    let conn = head & 1 == 1;
    f.push(
        "_path",
        if head & 0x40 != 0 {
            "files"
        } else if conn {
            "conn"
        } else {
            "http"
        },
    );
    let names: &[&str] = if conn { &CONN_TEXT } else { &HTTP_TEXT };
    for (name, part) in names.iter().zip(parts.iter()) {
        f.push(*name, *part);
    }
    let seed = i64::from(head) * 7919 + n as i64;
    if conn {
        f.push("id.orig_p", Value::Int(seed % 70_000));
        f.push("duration", Value::Float(seed as f64 / 3.0));
    } else {
        f.push(
            "id.resp_p",
            Value::Int(if head & 2 != 0 { 80 } else { 8080 }),
        );
        f.push(
            "request_body_len",
            Value::Int(parts.get(2).map_or(0, |b| b.len() as i64)),
        );
        f.push(
            "response_body_len",
            Value::Int(parts.get(3).map_or(0, |b| b.len() as i64)),
        );
        f.push("request_body_entropy", Value::Float(f64::from(head % 9)));
        f.push(
            "response_body_entropy",
            Value::Float(f64::from((head / 9) % 9)),
        );
        f.push("request_body_truncated", Value::Bool(head & 4 != 0));
    }
    Some(Event {
        source: EventSource {
            path: if head & 8 != 0 { "a.pcap" } else { "conn.log" }.into(),
            record_id: Some(n as u64 + 1),
            line: None,
        },
        format: if head & 0x10 != 0 {
            LogFormat::Zeek
        } else {
            LogFormat::Pcap
        },
        time: (head & 0x20 == 0)
            .then(|| Timestamp::from_unix_secs(seed.wrapping_mul(37) % 100_000)),
        fields: f,
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 4 == 3 {
        // Hostile settings: an error or a usable config, never a panic.
        if let Ok(cfg) = NetworkConfig::from_toml(&String::from_utf8_lossy(rest)) {
            let _ = cfg.severity_of(f64::NAN);
        }
        return;
    }
    let events: Vec<Event> = rest
        .split(|&b| b == b'\n')
        .take(2000)
        .enumerate()
        .filter_map(|(i, r)| event(i, r))
        .collect();
    let cfg = shipped();
    let mut one = NetworkAnalyzer::new(Arc::clone(&cfg));
    let mut halves = [
        NetworkAnalyzer::new(Arc::clone(&cfg)),
        NetworkAnalyzer::new(Arc::clone(&cfg)),
    ];
    let mut reversed = NetworkAnalyzer::new(Arc::clone(&cfg));
    for (i, e) in events.iter().enumerate() {
        one.observe(e);
        halves[(i * 5 + usize::from(mode)) % 2].observe(e);
    }
    for e in events.iter().rev() {
        reversed.observe(e);
    }
    let [mut a, b] = halves;
    a.merge(b);
    assert_eq!(a.transactions(), one.transactions());
    assert_eq!(a.conns(), one.conns());
    assert!(one.transactions() + one.conns() <= events.len() as u64);
    let found = one.finish();
    assert_eq!(a.finish(), found);
    assert_eq!(reversed.finish(), found);
    for w in found.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
    for f in &found {
        assert!(f.score >= cfg.threshold());
        assert!(!f.signals.is_empty());
        assert!(f.events.len() <= 20 && f.clients.len() <= 10);
        assert!(f.excerpt.as_ref().is_none_or(|e| e.chars().count() <= 200));
        assert!(f.first_seen <= f.last_seen || f.first_seen.is_none() || f.last_seen.is_none());
    }
});
