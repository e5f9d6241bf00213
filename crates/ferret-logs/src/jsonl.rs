//! JSON lines: one JSON object per line (Winlogbeat, ECS, NXLog, OTRF/Mordor
//! exports, Azure Monitor tables, Sysmon for Linux and auoms via syslog).
//!
//! Each object is flattened ([`Fields::from_json_object`]), then the shapes of
//! `rules/mappings/jsonl-fields.toml` add EVTX-style names (see [`normalize`])
//! so Sigma rules written for EVTX work. Lines are bounded by
//! `ReadOptions::max_line`; a bad line is one error and reading goes on.

pub mod kv;
pub mod mapping;
pub mod xml;

use crate::evtx::{put_first, record_fields};
use crate::lines::{Line, LineReader};
use crate::{Item, ReadError, ReadOptions, ReadStats, Sink};
use ferret_core::{Event, EventSource, Fields, LogFormat, Timestamp, Value};
use mapping::{Mappings, Shape};
use std::io::BufRead;

/// Reads JSON lines from `r`, sending one event per object line and one error
/// per over-long, invalid or non-object line; blank lines are skipped.
pub fn read<R: BufRead>(display: &str, r: R, opts: &ReadOptions, sink: &mut Sink<'_>) -> ReadStats {
    let mappings = Mappings::builtin();
    let mut lines = LineReader::new(r, opts.max_line);
    let mut stats = ReadStats::default();
    loop {
        let item = match lines.next_line() {
            Ok(None) => break,
            Err(e) => {
                stats.errors += 1;
                let _ = sink(Item::Error(ReadError::at_line(
                    display,
                    lines.line_no() + 1,
                    format!("read failed: {e}"),
                )));
                break;
            }
            Ok(Some(Line::TooLong(len))) => Item::Error(ReadError::at_line(
                display,
                lines.line_no(),
                format!(
                    "line of {len} bytes is longer than {} bytes, skipped",
                    opts.max_line
                ),
            )),
            Ok(Some(Line::Text(bytes))) => {
                let text = String::from_utf8_lossy(bytes).into_owned();
                let line_no = lines.line_no();
                let text = text.trim_start_matches('\u{feff}').trim();
                if text.is_empty() {
                    continue;
                }
                match event_from_line(display, line_no, text, mappings) {
                    Ok(event) => Item::Event(event),
                    Err(message) => Item::Error(ReadError::at_line(display, line_no, message)),
                }
            }
        };
        match item {
            Item::Event(_) => stats.events += 1,
            Item::Error(_) => stats.errors += 1,
        }
        if sink(item).is_break() {
            break;
        }
    }
    stats.bytes = lines.bytes();
    stats
}

/// The event for one line holding a JSON object, or why there is none.
pub fn event_from_line(
    display: &str,
    line: u64,
    text: &str,
    mappings: &Mappings,
) -> Result<Event, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let serde_json::Value::Object(obj) = value else {
        return Err("not a JSON object".to_owned());
    };
    let mut fields = Fields::from_json_object(&obj);
    normalize(&mut fields, mappings);
    let time = event_time(&fields, mappings);
    Ok(Event {
        source: EventSource {
            path: display.to_owned(),
            record_id: None,
            line: Some(line),
        },
        format: LogFormat::Jsonl,
        time,
        fields,
    })
}

/// The first time field (in the mappings' order) holding an RFC 3339 or
/// `YYYY-MM-DD HH:MM:SS(.fff)` time, read as UTC when it names no offset.
pub fn event_time(fields: &Fields, mappings: &Mappings) -> Option<Timestamp> {
    mappings
        .time
        .iter()
        .find_map(|name| match fields.get(name)? {
            Value::Str(s) => Timestamp::parse_rfc3339(s),
            _ => None,
        })
}

/// Adds EVTX-style names for every shape `fields` matches: decodes embedded
/// events, then adds unprefixed names, renames, auditd record types and
/// integer forms. Existing fields are never changed, except that an
/// `integers` field holding an integer as text becomes that integer and an
/// audit `type` becomes the list of types it stands for.
pub fn normalize(fields: &mut Fields, mappings: &Mappings) {
    for shape in &mappings.shapes {
        if matches(fields, shape) {
            for name in &shape.embedded {
                decode_embedded(fields, name);
            }
        }
    }
    for shape in &mappings.shapes {
        if !matches(fields, shape) {
            continue;
        }
        for prefix in &shape.unprefix {
            let found: Vec<(String, Value)> = fields
                .iter()
                .filter_map(|(n, v)| {
                    let rest = n.strip_prefix(prefix.as_str())?;
                    (!rest.is_empty()).then(|| (rest.to_owned(), v.clone()))
                })
                .collect();
            for (name, v) in found {
                put_first(fields, &name, v);
            }
        }
        for (target, sources) in &shape.rename {
            if let Some(v) = sources.iter().find_map(|s| exact(fields, s)) {
                let v = v.clone();
                put_first(fields, target, v);
            }
        }
        for (kind, extra) in &shape.also_types {
            if let Some(Value::Str(t)) = exact(fields, "type") {
                if t == kind {
                    let mut list = vec![Value::Str(t.clone())];
                    list.extend(extra.iter().map(|e| Value::Str(e.clone())));
                    fields.insert("type", Value::List(list));
                }
            }
        }
    }
    for name in &mappings.integers {
        if let Some(Value::Str(s)) = exact(fields, name) {
            if let Ok(i) = s.trim().parse::<i64>() {
                fields.insert(name.as_str(), Value::Int(i));
            }
        }
    }
}

fn exact<'a>(fields: &'a Fields, name: &str) -> Option<&'a Value> {
    fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

fn matches(fields: &Fields, shape: &Shape) -> bool {
    shape.detect.iter().any(|d| {
        fields.iter().any(|(n, _)| {
            n == d
                || (n.len() > d.len() && n.starts_with(d.as_str()) && n.as_bytes()[d.len()] == b'.')
        })
    })
}

/// Decodes field `name` when it holds a whole event as text: Event XML, a JSON
/// object, or an audit record. Decoded fields are added where not present.
fn decode_embedded(fields: &mut Fields, name: &str) {
    let Some(Value::Str(text)) = exact(fields, name) else {
        return;
    };
    let text = text.trim();
    let decoded: Vec<(String, Value)> = if text.starts_with('<') {
        match xml::event_json(text) {
            Some(record) => record_fields(&record)
                .iter()
                .map(|(n, v)| (n.to_owned(), v.clone()))
                .collect(),
            None => return,
        }
    } else if text.starts_with('{') {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(obj)) => Fields::from_json_object(&obj)
                .iter()
                .map(|(n, v)| (n.to_owned(), v.clone()))
                .collect(),
            _ => return,
        }
    } else if let Some(pairs) = kv::audit_pairs(text) {
        pairs
            .into_iter()
            .map(|(k, v)| {
                let v = match (k.as_str(), v.parse::<i64>()) {
                    ("serial", Ok(i)) => Value::Int(i),
                    _ => Value::Str(v),
                };
                (k, v)
            })
            .collect()
    } else {
        return;
    };
    for (n, v) in decoded {
        put_first(fields, &n, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Collected;

    fn read_all(data: &[u8], max_line: usize) -> (Vec<Event>, Vec<ReadError>, ReadStats) {
        let opts = ReadOptions {
            max_line,
            ..ReadOptions::default()
        };
        let c = Collected::from_read(|sink| read("t.jsonl", data, &opts, sink));
        (c.events, c.errors, c.stats)
    }

    #[test]
    fn lines_errors_and_numbers() {
        let long = format!("{{\"a\":\"{}\"}}", "x".repeat(200));
        let data = format!(
            "{{\"EventID\":\"1\",\"@timestamp\":\"2021-03-14T01:39:32.609Z\"}}\n\n{long}\nnot json\n[1]\r\n{{\"b\":\"BAD\"}}\n{{\"UtcTime\":\"2022-05-11 18:10:20.395\"}}"
        );
        let mut bytes = data.into_bytes();
        let pos = bytes.windows(3).position(|w| w == b"BAD").unwrap_or(0);
        bytes.splice(pos..pos + 3, [b'a', 0xff]);
        let (events, errors, stats) = read_all(&bytes, 100);
        assert_eq!(stats.events, 3);
        assert_eq!(stats.errors, 3);
        assert_eq!(stats.bytes, bytes.len() as u64);
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(3), Some(4), Some(5)]);
        assert!(errors[0].message.contains("longer than 100"));
        assert_eq!(events[0].source.line, Some(1));
        assert_eq!(events[0].fields.get("EventID"), Some(&Value::Int(1)));
        assert_eq!(
            events[0].time.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-03-14T01:39:32.609000Z")
        );
        assert!(events[1]
            .fields
            .text("b")
            .is_some_and(|b| b.contains('\u{fffd}')));
        assert_eq!(events[2].source.line, Some(7));
        assert_eq!(
            events[2].time.map(|t| t.to_rfc3339()).as_deref(),
            Some("2022-05-11T18:10:20.395000Z")
        );
    }

    #[test]
    fn winlogbeat_and_ecs_get_evtx_names() {
        let line = r#"{"@timestamp":"2023-01-01T00:00:00Z","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1","computer_name":"WEB01","provider_name":"Microsoft-Windows-Sysmon","event_data":{"Image":"C:\\w\\cmd.exe","ParentImage":"C:\\w\\w3wp.exe"}},"process":{"executable":"C:\\other.exe","command_line":"cmd /c whoami","parent":{"executable":"C:\\w\\w3wp.exe"}},"user":{"name":"iis"},"ecs":{"version":"8"}}"#;
        let e = event_from_line("x", 1, line, Mappings::builtin()).unwrap();
        let f = &e.fields;
        assert_eq!(
            f.text("Channel").as_deref(),
            Some("Microsoft-Windows-Sysmon/Operational")
        );
        assert_eq!(f.get("EventID"), Some(&Value::Int(1)));
        assert_eq!(f.text("Computer").as_deref(), Some("WEB01"));
        assert_eq!(
            f.text("Provider_Name").as_deref(),
            Some("Microsoft-Windows-Sysmon")
        );
        // event_data wins over ECS process.executable; originals stay.
        assert_eq!(f.text("Image").as_deref(), Some("C:\\w\\cmd.exe"));
        assert_eq!(
            f.text("process.executable").as_deref(),
            Some("C:\\other.exe")
        );
        assert_eq!(f.text("CommandLine").as_deref(), Some("cmd /c whoami"));
        assert_eq!(f.text("ParentImage").as_deref(), Some("C:\\w\\w3wp.exe"));
        assert_eq!(f.text("User").as_deref(), Some("iis"));
        assert_eq!(
            f.text("winlog.event_data.Image").as_deref(),
            Some("C:\\w\\cmd.exe")
        );
    }

    #[test]
    fn legacy_winlogbeat_and_nxlog() {
        let m = Mappings::builtin();
        let old = r#"{"log_name":"Security","event_id":4688,"computer_name":"H","event_data":{"NewProcessName":"C:\\a.exe"}}"#;
        let f = event_from_line("x", 1, old, m).unwrap().fields;
        assert_eq!(f.text("Channel").as_deref(), Some("Security"));
        assert_eq!(f.get("EventID"), Some(&Value::Int(4688)));
        assert_eq!(f.text("NewProcessName").as_deref(), Some("C:\\a.exe"));
        let nx = r#"{"EventTime":"2021-03-14 01:39:32","Hostname":"H2","SourceName":"Microsoft-Windows-Security-Auditing","EventID":4688,"RecordNumber":"77"}"#;
        let e = event_from_line("x", 1, nx, m).unwrap();
        assert_eq!(e.fields.text("Computer").as_deref(), Some("H2"));
        assert_eq!(e.fields.get("EventRecordID"), Some(&Value::Int(77)));
        assert_eq!(
            e.fields.text("Provider_Name").as_deref(),
            Some("Microsoft-Windows-Security-Auditing")
        );
        assert_eq!(e.time, Timestamp::parse_rfc3339("2021-03-14T01:39:32Z"));
    }
}
