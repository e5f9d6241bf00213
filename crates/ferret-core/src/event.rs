//! Events: one record of a log, as a reader hands it to the analyzers.
//!
//! Readers (EVTX, JSON lines, auditd, W3C, combined, ESXi, SQL Server
//! ERRORLOG) turn records into [`Event`]s and never judge them; the Sigma
//! engine and the web-log analyzer read the [`Fields`] and never do I/O.
//! Field values are kept as the log recorded them: attacker-controlled text is
//! escaped only when a printer writes it.

use std::borrow::Cow;
use std::fmt;

/// The log format an event was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogFormat {
    /// Windows XML event log (`.evtx`).
    Evtx,
    /// One JSON object per line (Winlogbeat/ECS, Sysmon for Linux, OTRF/Mordor).
    Jsonl,
    /// Linux audit log (`audit.log`), one event per record serial.
    Auditd,
    /// IIS / W3C extended log format (`#Fields:` header).
    W3c,
    /// Apache / nginx common or combined access log.
    Combined,
    /// ESXi `shell.log`.
    EsxiShell,
    /// ESXi `hostd.log`.
    EsxiHostd,
    /// SQL Server `ERRORLOG`.
    MssqlErrorlog,
    /// Packet capture (pcap/pcapng): HTTP transactions and connections with
    /// Zeek's field names (`_path` = `http` or `conn`).
    Pcap,
    /// Zeek `http.log`, `conn.log`, `files.log` (TSV or JSON; `_path` names
    /// the log).
    Zeek,
}

impl LogFormat {
    /// Every format, in a stable order.
    pub const ALL: [LogFormat; 10] = [
        LogFormat::Evtx,
        LogFormat::Jsonl,
        LogFormat::Auditd,
        LogFormat::W3c,
        LogFormat::Combined,
        LogFormat::EsxiShell,
        LogFormat::EsxiHostd,
        LogFormat::MssqlErrorlog,
        LogFormat::Pcap,
        LogFormat::Zeek,
    ];

    /// The name used in output, mapping files and `--format` style options.
    pub fn name(self) -> &'static str {
        match self {
            LogFormat::Evtx => "evtx",
            LogFormat::Jsonl => "jsonl",
            LogFormat::Auditd => "auditd",
            LogFormat::W3c => "w3c",
            LogFormat::Combined => "combined",
            LogFormat::EsxiShell => "esxi_shell",
            LogFormat::EsxiHostd => "esxi_hostd",
            LogFormat::MssqlErrorlog => "mssql_errorlog",
            LogFormat::Pcap => "pcap",
            LogFormat::Zeek => "zeek",
        }
    }

    /// The format with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<LogFormat> {
        LogFormat::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether each event is one web request (W3C or combined access logs).
    pub fn is_web(self) -> bool {
        matches!(self, LogFormat::W3c | LogFormat::Combined)
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A UTC instant, in microseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `micros` microseconds after 1970-01-01T00:00:00Z.
    pub const fn from_unix_micros(micros: i64) -> Timestamp {
        Timestamp(micros)
    }

    /// The instant `secs` seconds after the epoch.
    pub const fn from_unix_secs(secs: i64) -> Timestamp {
        Timestamp(secs.saturating_mul(1_000_000))
    }

    /// Microseconds since the epoch.
    pub const fn unix_micros(self) -> i64 {
        self.0
    }

    /// The civil date and time this instant names: the instant for year, month
    /// (1-12), day (1-31), hour, minute, second and microsecond in UTC; `None`
    /// when a part is out of range.
    pub fn from_civil(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        micros: u32,
    ) -> Option<Timestamp> {
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
            || micros >= 1_000_000
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let secs = days
            .checked_mul(86_400)?
            .checked_add(i64::from(hour * 3600 + minute * 60 + second))?;
        Some(Timestamp(
            secs.checked_mul(1_000_000)?
                .checked_add(i64::from(micros))?,
        ))
    }

    /// Parses RFC 3339 / ISO 8601 (`2021-03-02T10:11:12.123456Z`, a space for
    /// `T`, an offset or none for UTC, any number of fraction digits).
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let b = s.trim().as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = b.get(r)?;
            if part.iter().all(u8::is_ascii_digit) {
                std::str::from_utf8(part).ok()?.parse().ok()
            } else {
                None
            }
        };
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        if !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut i = 19;
        let mut micros = 0u32;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 6 {
                    micros = micros * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            if i == start {
                return None;
            }
            for _ in (i - start)..6 {
                micros *= 10;
            }
        }
        let offset_secs: i64 = match b.get(i) {
            None | Some(b'Z') | Some(b'z') => 0,
            Some(sign @ (b'+' | b'-')) => {
                let h = num(i + 1..i + 3)?;
                let m = match b.get(i + 3) {
                    Some(b':') => num(i + 4..i + 6)?,
                    _ => num(i + 3..i + 5).unwrap_or(0),
                };
                let v = i64::from(h * 3600 + m * 60);
                if *sign == b'-' {
                    -v
                } else {
                    v
                }
            }
            _ => return None,
        };
        let t = Timestamp::from_civil(i64::from(year), month, day, hour, minute, second, micros)?;
        Some(Timestamp(t.0.checked_sub(offset_secs * 1_000_000)?))
    }

    /// RFC 3339 in UTC with microseconds: `2021-03-02T10:11:12.123456Z`.
    pub fn to_rfc3339(self) -> String {
        let secs = self.0.div_euclid(1_000_000);
        let micros = self.0.rem_euclid(1_000_000);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
            rem / 3600,
            (rem / 60) % 60,
            rem % 60
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's days-from-civil algorithm (public domain arithmetic).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A field's value, as the log recorded it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Present but empty (JSON `null`, an EVTX element without text).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer (EVTX `EventID`, JSON numbers without a fraction).
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Text. Readers replace invalid UTF-8 with U+FFFD.
    Str(String),
    /// Several values under one name (EVTX unnamed `Data` elements, JSON arrays).
    List(Vec<Value>),
}

impl Value {
    /// The value as text: numbers and booleans in their usual form, `Null` as
    /// the empty string, lists joined with a space.
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            Value::Null => Cow::Borrowed(""),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::Float(f) => Cow::Owned(f.to_string()),
            Value::Str(s) => Cow::Borrowed(s),
            Value::List(items) => Cow::Owned(
                items
                    .iter()
                    .map(|v| v.as_text().into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        }
    }

    /// The value as an integer, when it is one or is text holding one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 => Some(*f as i64),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

/// An event's fields: names as the reader gives them (nested JSON flattened
/// with dots), in the order read. Lookups try the exact name first, then the
/// name without regard to ASCII case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    items: Vec<(Box<str>, Value)>,
}

impl Fields {
    /// No fields.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// Room for `n` fields.
    pub fn with_capacity(n: usize) -> Fields {
        Fields {
            items: Vec::with_capacity(n),
        }
    }

    /// Sets `name` to `value`, replacing an earlier value of the same exact name.
    pub fn insert(&mut self, name: impl Into<Box<str>>, value: impl Into<Value>) {
        let name = name.into();
        let value = value.into();
        match self.items.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.items.push((name, value)),
        }
    }

    /// Appends without looking for an earlier field of the same name (readers
    /// that know names are unique use this; [`get`](Self::get) returns the first).
    pub fn push(&mut self, name: impl Into<Box<str>>, value: impl Into<Value>) {
        self.items.push((name.into(), value.into()));
    }

    /// The value of `name`: exact match first, then ASCII case-insensitive.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.items
            .iter()
            .find(|(n, _)| &**n == name)
            .or_else(|| {
                self.items
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
            })
            .map(|(_, v)| v)
    }

    /// The value of `name` as text (see [`Value::as_text`]).
    pub fn text(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(Value::as_text)
    }

    /// Removes `name` (exact match) and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let i = self.items.iter().position(|(n, _)| &**n == name)?;
        Some(self.items.remove(i).1)
    }

    /// Every field, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.items.iter().map(|(n, v)| (&**n, v))
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<K: Into<Box<str>>, V: Into<Value>> FromIterator<(K, V)> for Fields {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Fields {
        let mut f = Fields::new();
        for (k, v) in iter {
            f.insert(k, v);
        }
        f
    }
}

/// Where an event came from: enough to find it again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventSource {
    /// The log file: the path as given on the command line joined with the
    /// relative path; an archive member is `archive.zip!member/path.json`.
    /// Unescaped: printers escape it.
    pub path: String,
    /// The record id, for record-based logs (EVTX `EventRecordID`).
    pub record_id: Option<u64>,
    /// The 1-based line number of the record's first line, for text logs.
    pub line: Option<u64>,
}

/// One log record.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Where it came from.
    pub source: EventSource,
    /// The format it was read from.
    pub format: LogFormat,
    /// When it happened, when the record says (UTC).
    pub time: Option<Timestamp>,
    /// Its fields.
    pub fields: Fields,
}

impl Event {
    /// The host the event names (`Computer`, `host.name`, `hostname`...), if any.
    pub fn host(&self) -> Option<Cow<'_, str>> {
        [
            "Computer",
            "host.name",
            "Hostname",
            "hostname",
            "host",
            "s-computername",
        ]
        .iter()
        .find_map(|n| self.fields.text(n).filter(|t| !t.is_empty()))
    }
}

impl Fields {
    /// Fields from a JSON object: nested objects flattened with dots
    /// (`{"a":{"b":1}}` gives `a.b`), arrays as [`Value::List`] (objects inside
    /// arrays as their JSON text), numbers as `Int` when whole.
    pub fn from_json_object(obj: &serde_json::Map<String, serde_json::Value>) -> Fields {
        let mut f = Fields::with_capacity(obj.len());
        flatten_json(&mut f, "", obj, 0);
        f
    }

    /// The fields as a flat JSON object (the inverse of
    /// [`from_json_object`](Self::from_json_object) for flat input).
    pub fn to_json_object(&self) -> serde_json::Map<String, serde_json::Value> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), value_to_json(v)))
            .collect()
    }
}

/// Nesting below this depth is kept as JSON text, so hostile input cannot recurse without bound.
const MAX_JSON_DEPTH: usize = 32;

fn flatten_json(
    out: &mut Fields,
    prefix: &str,
    obj: &serde_json::Map<String, serde_json::Value>,
    depth: usize,
) {
    for (k, v) in obj {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            serde_json::Value::Object(inner) if depth < MAX_JSON_DEPTH => {
                flatten_json(out, &name, inner, depth + 1)
            }
            other => out.insert(name, json_to_value(other, depth)),
        }
    }
}

fn json_to_value(v: &serde_json::Value, depth: usize) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Array(items) if depth < MAX_JSON_DEPTH => Value::List(
            items
                .iter()
                .map(|i| match i {
                    serde_json::Value::Object(_) => Value::Str(i.to_string()),
                    other => json_to_value(other, depth + 1),
                })
                .collect(),
        ),
        other => Value::Str(other.to_string()),
    }
}

fn value_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::List(items) => serde_json::Value::Array(items.iter().map(value_to_json).collect()),
    }
}

/// Why a JSON event sample could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event sample: {0}")]
pub struct EventJsonError(String);

impl Event {
    /// An event from its sample form, as rule tests and `--dump-events` use it:
    /// `{"format": "evtx", "time": "RFC 3339", "source": {"path": "..",
    /// "record_id": 1, "line": 2}, "fields": {...}}`. Only `format` and
    /// `fields` are required; `source.path` defaults to `sample`.
    pub fn from_json(v: &serde_json::Value) -> Result<Event, EventJsonError> {
        let obj = v
            .as_object()
            .ok_or_else(|| EventJsonError("not a JSON object".into()))?;
        let format = obj
            .get("format")
            .and_then(|f| f.as_str())
            .ok_or_else(|| EventJsonError("no \"format\" string".into()))?;
        let format = LogFormat::from_name(format)
            .ok_or_else(|| EventJsonError(format!("unknown format {format:?}")))?;
        let fields = obj
            .get("fields")
            .and_then(|f| f.as_object())
            .ok_or_else(|| EventJsonError("no \"fields\" object".into()))?;
        let time = match obj.get("time") {
            None | Some(serde_json::Value::Null) => None,
            Some(t) => Some(
                t.as_str()
                    .and_then(Timestamp::parse_rfc3339)
                    .ok_or_else(|| EventJsonError(format!("bad time {t}")))?,
            ),
        };
        let src = obj.get("source").and_then(|s| s.as_object());
        let get = |k: &str| src.and_then(|s| s.get(k));
        Ok(Event {
            source: EventSource {
                path: get("path")
                    .and_then(|p| p.as_str())
                    .unwrap_or("sample")
                    .to_owned(),
                record_id: get("record_id").and_then(|r| r.as_u64()),
                line: get("line").and_then(|r| r.as_u64()),
            },
            format,
            time,
            fields: Fields::from_json_object(fields),
        })
    }

    /// The event in the sample form [`from_json`](Self::from_json) reads.
    pub fn to_json(&self) -> serde_json::Value {
        let mut source = serde_json::Map::new();
        source.insert("path".into(), self.source.path.clone().into());
        if let Some(r) = self.source.record_id {
            source.insert("record_id".into(), r.into());
        }
        if let Some(l) = self.source.line {
            source.insert("line".into(), l.into());
        }
        serde_json::json!({
            "format": self.format.name(),
            "time": self.time.map(|t| t.to_rfc3339()),
            "source": source,
            "fields": self.fields.to_json_object(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        let t = Timestamp::parse_rfc3339("2021-03-02T10:11:12.1234567Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-03-02T10:11:12.123456Z");
        let t = Timestamp::parse_rfc3339("2019-05-12 23:59:59+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2019-05-12T21:59:59.000000Z");
        let t = Timestamp::parse_rfc3339("1969-12-31T23:59:59Z").unwrap();
        assert_eq!(t.unix_micros(), -1_000_000);
        assert_eq!(t.to_rfc3339(), "1969-12-31T23:59:59.000000Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2024-02-29T00:00:00Z").map(|t| t.unix_micros()),
            Some(1_709_164_800_000_000)
        );
        assert!(Timestamp::parse_rfc3339("2023-02-29T00:00:00Z").is_none());
        assert!(Timestamp::parse_rfc3339("2023-02-2x").is_none());
        assert!(Timestamp::parse_rfc3339("2023-02-20T00:00:00.Z").is_none());
    }

    #[test]
    fn fields_lookup_exact_then_caseless() {
        let mut f = Fields::new();
        f.insert("Image", "a");
        f.insert("image", "b");
        f.insert("EventID", 1i64);
        assert_eq!(f.text("image").as_deref(), Some("b"));
        assert_eq!(f.text("IMAGE").as_deref(), Some("a"));
        assert_eq!(f.get("EventID").and_then(Value::as_i64), Some(1));
        f.insert("Image", "c");
        assert_eq!(f.text("Image").as_deref(), Some("c"));
        assert_eq!(f.len(), 3);
        let list = Value::List(vec![Value::from("x"), Value::Int(2)]);
        let json = serde_json::json!({"format": "evtx", "time": "2020-01-01T00:00:00Z",
            "source": {"path": "a.evtx", "record_id": 7},
            "fields": {"EventID": 1, "Data": ["x", 2], "winlog": {"event_data": {"Image": "c"}}}});
        let e = Event::from_json(&json).unwrap();
        assert_eq!(
            e.fields.text("winlog.event_data.Image").as_deref(),
            Some("c")
        );
        assert_eq!(e.fields.get("Data"), Some(&list));
        assert_eq!(Event::from_json(&e.to_json()).unwrap(), e);
        assert!(Event::from_json(&serde_json::json!({"format": "nope", "fields": {}})).is_err());
        assert_eq!(list.as_text(), "x 2");
    }
}
