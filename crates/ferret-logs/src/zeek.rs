//! Zeek logs (`http.log`, `conn.log`, `files.log`, and any other Zeek log),
//! in Zeek's TSV form or as JSON lines.
//!
//! TSV is header-driven: `#separator` (escaped, e.g. `\x09`), then
//! `#set_separator`, `#empty_field`, `#unset_field`, `#path`, `#fields` and
//! `#types`; a file may hold several header blocks (rotated or concatenated
//! logs), each starting again at `#separator`. Values are unescaped (`\xHH`);
//! the unset marker (`-`) leaves a field out; the empty marker (`(empty)`) is
//! an empty list for `set[..]`/`vector[..]` columns and an empty string
//! otherwise; sets split on the set separator; `count`/`int`/`port` become
//! Int, `double`/`interval`/`time` Float, `bool` Bool. A line whose value count
//! differs from the header's is one error and reading goes on.
//!
//! JSON lines are flattened like other JSON (`{"id":{"orig_h":..}}` gives
//! `id.orig_h`). Either way `_path` comes from `#path`, the JSON `_path`, or
//! the file name (`http*.log` is `http`...), and `ts` (epoch seconds or ISO
//! 8601) is the event time. `http` events also get the canonical web names
//! ([`netfields::add_web_names`]).

use crate::netfields;
use crate::textlog::{self, Emitter, LineParser};
use crate::{ReadOptions, ReadStats, Sink};
use ferret_core::{Fields, LogFormat, Timestamp, Value};
use std::io::BufRead;
use std::ops::ControlFlow;

/// Most columns kept from one `#fields` line; more is not a Zeek log.
const MAX_COLUMNS: usize = 1024;

/// Whether `head` looks like a Zeek TSV log: it starts with a `#separator`
/// line, or one of its first 32 lines is `#separator \x..` (a log whose
/// start was cut or damaged).
pub fn looks_like_tsv(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    head.starts_with(b"#separator ")
        || head.starts_with(b"#separator\t")
        || head
            .split(|&b| b == b'\n')
            .take(32)
            .any(|l| l.starts_with(b"#separator \\x"))
}

/// Whether `head` holds Zeek JSON lines: its first non-blank line is an
/// object with a `_path` string, or with `ts` and one of: a Zeek-style `uid`
/// (`C` then 8 or more letters and digits) or `fuid` (`F`...), `id.orig_h`,
/// or an `id` object holding `orig_h` (a bare `uid` is also a Unix user id in
/// auditd-style JSON). A first line cut by the end of the head is judged by
/// its opening key or by the same keys found in its text.
pub fn looks_like_json(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let Some(start) = head.iter().position(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    let rest = &head[start..];
    let (line, cut) = match memchr::memchr(b'\n', rest) {
        Some(end) => (&rest[..end], false),
        None => (rest, true),
    };
    if let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice::<serde_json::Value>(line) {
        return is_zeek_object(&obj);
    }
    if !cut {
        return false;
    }
    let has = |key: &[u8]| memchr::memmem::find(line, key).is_some();
    line.starts_with(b"{\"_path\":")
        || (line.starts_with(b"{\"ts\":")
            && (has(b"\"uid\":\"C") || has(b"\"fuid\":\"F") || has(b"\"id.orig_h\":")))
}

/// Whether a parsed JSON object has Zeek's keys (see [`looks_like_json`]).
fn is_zeek_object(obj: &serde_json::Map<String, serde_json::Value>) -> bool {
    if matches!(obj.get("_path"), Some(serde_json::Value::String(_))) {
        return true;
    }
    let ts = matches!(
        obj.get("ts"),
        Some(serde_json::Value::Number(_) | serde_json::Value::String(_))
    );
    let id =
        matches!(obj.get("id"), Some(serde_json::Value::Object(id)) if id.contains_key("orig_h"));
    let zeek_id = |key: &str, lead: char| matches!(obj.get(key), Some(serde_json::Value::String(s)) if is_zeek_uid(s, lead));
    ts && (zeek_id("uid", 'C') || zeek_id("fuid", 'F') || obj.contains_key("id.orig_h") || id)
}

/// Whether `s` looks like a Zeek unique id: `lead`, then 8 or more ASCII
/// letters and digits (`CHhAvVGS1DHFjwGM9`, `FzvRko3vJzKu0Bnph1`).
fn is_zeek_uid(s: &str, lead: char) -> bool {
    s.strip_prefix(lead)
        .is_some_and(|rest| rest.len() >= 8 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The log a Zeek file name suggests (`http.log`, `conn.00:00:00-01:00:00.log.gz`,
/// `files_20240101.log` give `http`, `conn`, `files`): the name up to the first
/// `.`, `_` or `-`, when it is one of Zeek's logs this crate knows.
pub fn path_from_name(name: &str) -> Option<&'static str> {
    let leaf = name.rsplit(['!', '/', '\\']).next().unwrap_or(name);
    let stem = leaf.split(['.', '_', '-']).next().unwrap_or(leaf);
    [netfields::HTTP, netfields::CONN, netfields::FILES]
        .into_iter()
        .find(|p| stem.eq_ignore_ascii_case(p))
}

/// Reads a Zeek log (TSV, JSON lines, or both mixed) from `r`, shown as
/// `display`, handing events and errors to `sink`. The file name in
/// `display` gives `_path` when neither a `#path` header nor a JSON `_path`
/// does.
pub fn read<R: BufRead>(display: &str, r: R, opts: &ReadOptions, sink: &mut Sink<'_>) -> ReadStats {
    let mut parser = ZeekParser {
        name_path: path_from_name(display.strip_suffix(".gz").unwrap_or(display)),
        header: Header::default(),
    };
    textlog::run(display, r, opts, sink, &mut parser)
}

/// A column's Zeek type, as far as reading cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Float,
    Time,
    Bool,
}

impl Kind {
    /// The kind of a `#types` entry; containers give their element kind.
    fn parse(t: &str) -> (Kind, bool) {
        let (inner, container) = match t.split_once('[') {
            Some(("set" | "vector" | "table", inner)) => (inner.trim_end_matches(']'), true),
            _ => (t, false),
        };
        let kind = match inner {
            "count" | "int" | "port" | "counter" => Kind::Int,
            "double" | "interval" => Kind::Float,
            "time" => Kind::Time,
            "bool" => Kind::Bool,
            _ => Kind::Text,
        };
        (kind, container)
    }
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
    container: bool,
}

/// The state one TSV header block sets.
#[derive(Debug, Clone)]
struct Header {
    separator: Vec<u8>,
    set_separator: Vec<u8>,
    empty: Vec<u8>,
    unset: Vec<u8>,
    path: Option<String>,
    names: Option<Vec<String>>,
    types: Vec<String>,
    /// `names` and `types` combined, built when the first data line needs it.
    columns: Option<Vec<Column>>,
}

impl Default for Header {
    fn default() -> Header {
        Header {
            separator: b"\t".to_vec(),
            set_separator: b",".to_vec(),
            empty: b"(empty)".to_vec(),
            unset: b"-".to_vec(),
            path: None,
            names: None,
            types: Vec::new(),
            columns: None,
        }
    }
}

impl Header {
    /// Combines `names` and `types` into `columns`, once per header.
    fn build_columns(&mut self) {
        if self.columns.is_none() {
            let Some(names) = self.names.as_ref() else {
                return;
            };
            let cols = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let (kind, container) = match self.types.get(i) {
                        Some(t) => Kind::parse(t),
                        None if name == "ts" => (Kind::Time, false),
                        None => (Kind::Text, false),
                    };
                    Column {
                        name: name.clone(),
                        kind,
                        container,
                    }
                })
                .collect();
            self.columns = Some(cols);
        }
    }
}

struct ZeekParser {
    name_path: Option<&'static str>,
    header: Header,
}

impl ZeekParser {
    /// A `#` line: a header directive (unknown ones, `#open` and `#close`
    /// are ignored).
    fn directive(&mut self, text: &[u8]) {
        if let Some(value) = text
            .strip_prefix(b"#separator ")
            .or_else(|| text.strip_prefix(b"#separator\t"))
        {
            let sep = unescape(value);
            self.header = Header {
                separator: if sep.is_empty() { b"\t".to_vec() } else { sep },
                ..Header::default()
            };
            return;
        }
        let sep = self.header.separator.clone();
        let mut parts = split(text, &sep);
        let Some(name) = parts.next() else { return };
        let rest: Vec<&[u8]> = parts.collect();
        let first = || rest.first().map(|v| unescape(v)).unwrap_or_default();
        match name {
            b"#set_separator" => self.header.set_separator = first(),
            b"#empty_field" => self.header.empty = first(),
            b"#unset_field" => self.header.unset = first(),
            b"#path" => {
                let p = String::from_utf8_lossy(&first()).into_owned();
                self.header.path = (!p.is_empty()).then_some(p);
            }
            b"#fields" => {
                self.header.names = Some(
                    rest.iter()
                        .take(MAX_COLUMNS)
                        .map(|n| String::from_utf8_lossy(&unescape(n)).into_owned())
                        .collect(),
                );
                self.header.columns = None;
            }
            b"#types" => {
                self.header.types = rest
                    .iter()
                    .take(MAX_COLUMNS)
                    .map(|t| String::from_utf8_lossy(t).into_owned())
                    .collect();
                self.header.columns = None;
            }
            _ => {}
        }
    }

    fn tsv_line(&mut self, out: &mut Emitter<'_, '_>, no: u64, text: &[u8]) -> ControlFlow<()> {
        self.header.build_columns();
        let h = &self.header;
        let Some(columns) = h.columns.as_deref() else {
            return out.error(
                no,
                "neither a JSON object nor a TSV line after a #fields header",
            );
        };
        let count = split(text, &h.separator).count();
        if count != columns.len() {
            return out.error(
                no,
                format!(
                    "{count} values for the {} columns of the #fields header, line skipped",
                    columns.len()
                ),
            );
        }
        let mut fields = Fields::with_capacity(columns.len() + 16);
        if let Some(p) = h.path.as_deref().or(self.name_path) {
            if !columns.iter().any(|c| c.name == "_path") {
                fields.push("_path", p);
            }
        }
        let mut time = None;
        for (column, raw) in columns.iter().zip(split(text, &h.separator)) {
            if raw == h.unset.as_slice() {
                continue;
            }
            let value = if raw == h.empty.as_slice() {
                if column.container {
                    Value::List(Vec::new())
                } else {
                    Value::Str(String::new())
                }
            } else if column.container {
                Value::List(
                    split(raw, &h.set_separator)
                        .map(|item| typed(column.kind, item))
                        .collect(),
                )
            } else {
                typed(column.kind, raw)
            };
            let sets_time = column.kind == Kind::Time
                && !column.container
                && (time.is_none() || column.name == "ts");
            if let (true, Value::Float(secs)) = (sets_time, &value) {
                time = epoch(*secs).or(time);
            }
            fields.push(column.name.as_str(), value);
        }
        finish(&mut fields);
        out.event(LogFormat::Zeek, no, time, fields)
    }

    fn json_line(&mut self, out: &mut Emitter<'_, '_>, no: u64, text: &[u8]) -> ControlFlow<()> {
        let obj = match serde_json::from_slice::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(obj)) => obj,
            Ok(_) => return out.error(no, "not a JSON object"),
            Err(e) => return out.error(no, format!("invalid JSON: {e}")),
        };
        let flat = Fields::from_json_object(&obj);
        let mut fields = Fields::with_capacity(flat.len() + 16);
        if flat.get("_path").is_none() {
            if let Some(p) = self.header.path.as_deref().or(self.name_path) {
                fields.push("_path", p);
            }
        }
        for (name, value) in flat.iter() {
            fields.push(name, value.clone());
        }
        let time = fields.get("ts").and_then(value_time);
        finish(&mut fields);
        out.event(LogFormat::Zeek, no, time, fields)
    }
}

impl LineParser for ZeekParser {
    fn line(&mut self, out: &mut Emitter<'_, '_>, no: u64, text: &[u8]) -> ControlFlow<()> {
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        if text.starts_with(b"#") {
            self.directive(text);
            return ControlFlow::Continue(());
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            return ControlFlow::Continue(());
        }
        if matches!(text.first(), Some(b'{' | b'[')) {
            self.json_line(out, no, text)
        } else {
            self.tsv_line(out, no, text)
        }
    }

    fn finish(&mut self, _out: &mut Emitter<'_, '_>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// Adds what every event of a `_path` gets: the canonical web names for `http`.
fn finish(fields: &mut Fields) {
    if fields.text("_path").as_deref() == Some(netfields::HTTP) {
        netfields::add_web_names(fields);
    }
}

/// `text` split on `sep` (the whole of `text` when `sep` is empty).
fn split<'t>(text: &'t [u8], sep: &'t [u8]) -> impl Iterator<Item = &'t [u8]> + 't {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        if sep.is_empty() {
            rest = None;
            return Some(r);
        }
        match memchr::memmem::find(r, sep) {
            Some(i) => {
                rest = Some(&r[i + sep.len()..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// Zeek's escapes undone: `\xHH` becomes the byte; anything else stays.
fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && raw.get(i + 1) == Some(&b'x') {
            if let (Some(h), Some(l)) = (
                raw.get(i + 2).and_then(|c| hex(*c)),
                raw.get(i + 3).and_then(|c| hex(*c)),
            ) {
                out.push(h << 4 | l);
                i += 4;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// One TSV value of `kind`, unescaped; text when it does not parse as its type.
fn typed(kind: Kind, raw: &[u8]) -> Value {
    let text = String::from_utf8_lossy(&unescape(raw)).into_owned();
    match kind {
        Kind::Int => text.parse::<i64>().map_or(Value::Str(text), Value::Int),
        Kind::Float | Kind::Time => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Value::Float(f),
            _ => Value::Str(text),
        },
        Kind::Bool => match text.as_str() {
            "T" => Value::Bool(true),
            "F" => Value::Bool(false),
            _ => Value::Str(text),
        },
        Kind::Text => Value::Str(text),
    }
}

/// The instant `secs` seconds after the epoch (fractions to the microsecond).
fn epoch(secs: f64) -> Option<Timestamp> {
    let micros = (secs * 1e6).round();
    // Years 0 to 9999, the range times print in.
    (-62_167_219_200e6..=253_402_300_799e6)
        .contains(&micros)
        .then(|| Timestamp::from_unix_micros(micros as i64))
}

/// A JSON `ts`: epoch seconds (number or numeric text) or ISO 8601 text.
fn value_time(v: &Value) -> Option<Timestamp> {
    match v {
        Value::Int(i) => Some(Timestamp::from_unix_secs(*i)),
        Value::Float(f) => epoch(*f),
        Value::Str(s) => Timestamp::parse_rfc3339(s).or_else(|| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(epoch)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_and_split() {
        assert_eq!(unescape(br"a\x09b\x5cc\xZZ\"), b"a\tb\\c\\xZZ\\");
        let parts: Vec<&[u8]> = split(b"a\tb\t\t", b"\t").collect();
        assert_eq!(parts, [&b"a"[..], b"b", b"", b""]);
        assert_eq!(split(b"", b",").count(), 1);
    }

    #[test]
    fn kinds_and_names() {
        assert_eq!(Kind::parse("set[string]"), (Kind::Text, true));
        assert_eq!(Kind::parse("vector[interval]"), (Kind::Float, true));
        assert_eq!(Kind::parse("port"), (Kind::Int, false));
        assert_eq!(path_from_name("logs/http.log"), Some("http"));
        assert_eq!(
            path_from_name("x.zip!conn.00:00:00-01:00:00.log"),
            Some("conn")
        );
        assert_eq!(path_from_name("files_2024.log"), Some("files"));
        assert_eq!(path_from_name("dns.log"), None);
        assert_eq!(path_from_name("httpd.log"), None);
    }

    #[test]
    fn times() {
        assert_eq!(
            value_time(&Value::Float(1_700_000_000.25)).map(|t| t.unix_micros()),
            Some(1_700_000_000_250_000)
        );
        assert_eq!(value_time(&Value::Float(1e300)), None);
        assert_eq!(
            value_time(&Value::from("2023-11-14T22:13:20.500000Z")).map(|t| t.unix_micros()),
            Some(1_700_000_000_500_000)
        );
    }

    #[test]
    fn json_sniffing() {
        assert!(looks_like_json(
            b"{\"ts\":1.5,\"uid\":\"C1\",\"id.orig_h\":\"1.2.3.4\"}\n"
        ));
        assert!(looks_like_json(
            b"{\"ts\":\"2020-01-01T00:00:00Z\",\"id\":{\"orig_h\":\"1.2.3.4\"}}\n"
        ));
        assert!(looks_like_json(b"{\"_path\":\"dns\",\"ts\":1}"));
        assert!(looks_like_json(b"{\"_path\":\"http\",\"uri\":\"/aaaa"));
        assert!(!looks_like_json(b"{\"ts\":1,\"message\":\"x\"}\n"));
        assert!(!looks_like_json(b"{\"ts\":1,\"uid\":\"1001\"}\n"));
        assert!(looks_like_json(
            b"{\"ts\":1,\"fuid\":\"FzvRko3vJzKu0Bnph1\"}\n"
        ));
        assert!(!looks_like_json(
            b"{\"@timestamp\":\"2020\",\"winlog\":{\"event_id\":1},\"uid\":\"x\"}\n"
        ));
        assert!(!looks_like_json(b"  \n"));
        assert!(looks_like_tsv(b"#separator \\x09\n#set_separator\t,\n"));
        assert!(!looks_like_tsv(b"#Fields: date time\n"));
    }
}
