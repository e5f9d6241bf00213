//! Windows XML event logs (`.evtx`): every record becomes one [`Event`] with
//! flat fields named the way Sigma rules name them.
//!
//! Field layout (Sigma rules and their samples rely on it):
//! - from `System`: `EventID`, `Version`, `Level`, `Task`, `Opcode` (integers
//!   when numeric), `Keywords` (text), `EventRecordID`, `Channel`, `Computer`,
//!   `Provider_Name`, `Provider_Guid`, `EventSourceName`, `Security_UserID`,
//!   `Execution_ProcessID`, `Execution_ThreadID`, `TimeCreated` (the
//!   `SystemTime` text);
//! - `EventData`: each named `Data` under its name; unnamed `Data` as `Data`
//!   (a list, or text for one item); `Binary`; nested elements by leaf name;
//!   an `EventData` that is plain text as `EventData`;
//! - `UserData`: the leaves of its child element by leaf name, attributes
//!   other than `xmlns` ones included;
//! - `RenderingInfo`: `Message`; other sections: their leaves by leaf name.
//!
//! A name already set is never overwritten (the first value wins).

use crate::{Item, ReadError, ReadStats, Sink};
use ferret_core::{Event, EventSource, Fields, LogFormat, Timestamp, Value};
use serde_json::Value as Json;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The first bytes of every EVTX file.
pub const MAGIC: &[u8; 8] = b"ElfFile\0";

/// Nesting deeper than this is kept as JSON text.
const MAX_DEPTH: usize = 32;

const HEADER_SIZE: u64 = 4096;
const CHUNK_SIZE: u64 = 65536;

/// Reads the EVTX file at `path` chunk by chunk (never whole into memory),
/// sending one event per record and one error per unreadable chunk or record.
pub fn read_path(path: &Path, display: &str, sink: &mut Sink<'_>) -> ReadStats {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return file_error(display, format!("cannot open: {e}"), sink),
    };
    let len = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => return file_error(display, format!("cannot read: {e}"), sink),
    };
    read_seekable(display, std::io::BufReader::new(file), len, sink)
}

/// Reads an EVTX file held in memory (an archive member, a test, a fuzz input).
pub fn read_bytes(display: &str, bytes: Vec<u8>, sink: &mut Sink<'_>) -> ReadStats {
    let len = bytes.len() as u64;
    read_seekable(display, std::io::Cursor::new(bytes), len, sink)
}

fn read_seekable<R: Read + Seek>(
    display: &str,
    inner: R,
    len: u64,
    sink: &mut Sink<'_>,
) -> ReadStats {
    let mut stats = ReadStats {
        bytes: len,
        ..ReadStats::default()
    };
    // A file cut inside a chunk: the `evtx` crate ignores a partial last
    // chunk, so it is padded with zeros to read the records it holds whole.
    let partial = len.saturating_sub(HEADER_SIZE) % CHUNK_SIZE;
    let padded_len = if len > HEADER_SIZE && partial != 0 {
        stats.add(file_error(
            display,
            format!(
                "file ends {partial} bytes into chunk {} (truncated); its whole records are read",
                (len - HEADER_SIZE) / CHUNK_SIZE
            ),
            sink,
        ));
        len + (CHUNK_SIZE - partial)
    } else {
        len
    };
    let reader = ZeroPadded {
        inner,
        len,
        padded_len,
        pos: 0,
    };
    match evtx::EvtxParser::from_read_seek(reader) {
        Ok(mut parser) => stats.add(drain(display, parser.records_json_value(), sink)),
        Err(e) => stats.add(file_error(display, describe(&e), sink)),
    }
    stats
}

/// `inner` (of `len` bytes) followed by zeros up to `padded_len`.
struct ZeroPadded<R> {
    inner: R,
    len: u64,
    padded_len: u64,
    pos: u64,
}

impl<R: Read + Seek> Read for ZeroPadded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos < self.len {
            let room = (self.len - self.pos).min(buf.len() as u64) as usize;
            let n = self.inner.read(&mut buf[..room])?;
            self.pos += n as u64;
            return Ok(n);
        }
        let room = self
            .padded_len
            .saturating_sub(self.pos)
            .min(buf.len() as u64) as usize;
        buf[..room].fill(0);
        self.pos += room as u64;
        Ok(room)
    }
}

impl<R: Read + Seek> Seek for ZeroPadded<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.padded_len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        }
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad seek"))?;
        self.inner.seek(SeekFrom::Start(target.min(self.len)))?;
        self.pos = target;
        Ok(target)
    }
}

fn file_error(display: &str, message: String, sink: &mut Sink<'_>) -> ReadStats {
    let _ = sink(Item::Error(ReadError::file(display, message)));
    ReadStats {
        errors: 1,
        ..ReadStats::default()
    }
}

type RecordResult = evtx::err::Result<evtx::SerializedEvtxRecord<Json>>;

fn drain(
    display: &str,
    records: impl Iterator<Item = RecordResult>,
    sink: &mut Sink<'_>,
) -> ReadStats {
    let mut stats = ReadStats::default();
    for record in records {
        let item = match record {
            Ok(r) => {
                let header_time = Timestamp::from_unix_micros(r.timestamp.as_microsecond());
                stats.events += 1;
                Item::Event(event_from_record(
                    display,
                    r.event_record_id,
                    Some(header_time),
                    &r.data,
                ))
            }
            Err(e) => {
                stats.errors += 1;
                Item::Error(ReadError {
                    path: display.to_owned(),
                    record_id: match &e {
                        evtx::err::EvtxError::FailedToParseRecord { record_id, .. } => {
                            Some(*record_id)
                        }
                        _ => None,
                    },
                    line: None,
                    message: describe(&e),
                })
            }
        };
        if sink(item).is_break() {
            break;
        }
    }
    stats
}

/// An error and its causes on one line, bounded in length.
fn describe(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut cause = e.source();
    let mut depth = 0;
    while let Some(c) = cause {
        if depth == 4 {
            break;
        }
        msg.push_str(": ");
        msg.push_str(&c.to_string());
        cause = c.source();
        depth += 1;
    }
    if msg.len() > 512 {
        let mut cut = 512;
        while !msg.is_char_boundary(cut) {
            cut -= 1;
        }
        msg.truncate(cut);
        msg.push('…');
    }
    msg
}

/// The event for one record rendered as JSON by the `evtx` crate (or built in
/// the same shape, as the JSON lines reader does for embedded Event XML).
/// `header_time` is used when `TimeCreated` is missing or unreadable.
pub fn event_from_record(
    display: &str,
    record_id: u64,
    header_time: Option<Timestamp>,
    record: &Json,
) -> Event {
    let fields = record_fields(record);
    let time = fields
        .get("TimeCreated")
        .and_then(|t| match t {
            Value::Str(s) => Timestamp::parse_rfc3339(s),
            _ => None,
        })
        .or(header_time);
    // The System EventRecordID, as Windows shows it; the record header's id
    // differs in exported or filtered logs.
    let record_id = match fields.get("EventRecordID") {
        Some(Value::Int(i)) => u64::try_from(*i).unwrap_or(record_id),
        _ => record_id,
    };
    Event {
        source: EventSource {
            path: display.to_owned(),
            record_id: Some(record_id),
            line: None,
        },
        format: LogFormat::Evtx,
        time,
        fields,
    }
}

/// The fields of one record (`{"Event": {"System": .., "EventData": ..}}`).
pub fn record_fields(record: &Json) -> Fields {
    let mut out = Fields::with_capacity(32);
    let Some(event) = record.get("Event").and_then(Json::as_object) else {
        return out;
    };
    if let Some(system) = event.get("System") {
        system_fields(&mut out, system);
    }
    for (name, section) in event {
        match name.as_str() {
            "System" | "#attributes" => {}
            "EventData" => event_data_fields(&mut out, section),
            "UserData" => match section {
                Json::Object(children) => {
                    for child in children.values() {
                        leaves(&mut out, None, child, 0);
                    }
                }
                Json::Null => {}
                other => put_first(&mut out, "UserData", leaf_value(other, 0)),
            },
            "RenderingInfo" => {
                if let Some(message) = section.get("Message") {
                    put_first(&mut out, "Message", leaf_value(message, 0));
                }
            }
            _ => leaves(&mut out, None, section, 0),
        }
    }
    out
}

fn system_fields(out: &mut Fields, system: &Json) {
    let attr = |element: &str, name: &str| -> Option<&Json> {
        system.get(element)?.get("#attributes")?.get(name)
    };
    if let Some(id) = system.get("EventID") {
        let id = match id {
            Json::Object(o) => o.get("#text").unwrap_or(&Json::Null),
            other => other,
        };
        put_scalar(out, "EventID", id, true);
    }
    for name in ["Version", "Level", "Task", "Opcode"] {
        if let Some(v) = system.get(name) {
            put_scalar(out, name, v, true);
        }
    }
    if let Some(v) = system.get("Keywords") {
        put_scalar(out, "Keywords", v, false);
    }
    if let Some(v) = system.get("EventRecordID") {
        put_scalar(out, "EventRecordID", v, true);
    }
    for name in ["Channel", "Computer"] {
        if let Some(v) = system.get(name) {
            put_scalar(out, name, v, false);
        }
    }
    let attributes = [
        ("Provider", "Name", "Provider_Name", false),
        ("Provider", "Guid", "Provider_Guid", false),
        ("Provider", "EventSourceName", "EventSourceName", false),
        ("Security", "UserID", "Security_UserID", false),
        ("Execution", "ProcessID", "Execution_ProcessID", true),
        ("Execution", "ThreadID", "Execution_ThreadID", true),
        ("TimeCreated", "SystemTime", "TimeCreated", false),
    ];
    for (element, attribute, field, numeric) in attributes {
        // Sysmon for Linux writes `UserId`.
        let found = attr(element, attribute).or_else(|| {
            (attribute == "UserID")
                .then(|| attr(element, "UserId"))
                .flatten()
        });
        if let Some(v) = found {
            put_scalar(out, field, v, numeric);
        }
    }
}

/// Sets `name` from a scalar: integers when `numeric` and the value is one
/// (or text holding one), text otherwise; `null` sets nothing.
fn put_scalar(out: &mut Fields, name: &str, v: &Json, numeric: bool) {
    let value = match v {
        Json::Null => return,
        Json::String(s) if numeric => match s.trim().parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Str(s.clone()),
        },
        Json::Number(n) if numeric => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Str(n.to_string()),
        },
        Json::String(s) => Value::Str(s.clone()),
        other => Value::Str(text_of(other)),
    };
    put_first(out, name, value);
}

fn event_data_fields(out: &mut Fields, data: &Json) {
    match data {
        Json::Null => {}
        Json::Object(items) => {
            for (name, v) in items {
                match name.as_str() {
                    "#attributes" => {}
                    "Data" | "#text" => put_first(out, "Data", unnamed_data(v)),
                    _ => leaves(out, Some(name), v, 0),
                }
            }
        }
        other => put_first(out, "EventData", Value::Str(text_of(other))),
    }
}

/// Unnamed `Data` elements: a list of their values, or the value of one.
fn unnamed_data(v: &Json) -> Value {
    let v = match v {
        Json::Object(o) => match o.get("#text") {
            Some(t) => t,
            None => return Value::Str(v.to_string()),
        },
        other => other,
    };
    match v {
        Json::Array(items) => Value::List(items.iter().map(|i| leaf_value(i, 1)).collect()),
        Json::Number(_) | Json::Bool(_) | Json::Null => leaf_value(v, 0),
        other => Value::Str(text_of(other)),
    }
}

/// Adds the leaves under `v` by leaf name: `name` is the element's own name
/// (`None` for a container whose children are the leaves). Attributes count
/// as leaves unless they are namespace declarations.
fn leaves(out: &mut Fields, name: Option<&str>, v: &Json, depth: usize) {
    match v {
        Json::Object(o) if depth < MAX_DEPTH => {
            if let (Some(name), Some(text)) = (name, o.get("#text")) {
                put_first(out, name, leaf_value(text, depth));
            }
            for (k, child) in o {
                match k.as_str() {
                    "#text" => {}
                    "#attributes" => {
                        if let Json::Object(attrs) = child {
                            for (a, av) in attrs {
                                if a != "xmlns" && !a.starts_with("xmlns:") {
                                    put_first(out, a, leaf_value(av, depth + 1));
                                }
                            }
                        }
                    }
                    _ => leaves(out, Some(k), child, depth + 1),
                }
            }
        }
        other => {
            if let Some(name) = name {
                put_first(out, name, leaf_value(other, depth));
            }
        }
    }
}

/// A JSON value as a field value: text as `Str`, whole numbers as `Int`,
/// arrays as `List`, elements with text as that text, other objects as JSON.
fn leaf_value(v: &Json, depth: usize) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None if n.is_u64() => Value::Str(n.to_string()),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(items) if depth < MAX_DEPTH => {
            Value::List(items.iter().map(|i| leaf_value(i, depth + 1)).collect())
        }
        Json::Object(o) if depth < MAX_DEPTH && o.contains_key("#text") => o
            .get("#text")
            .map_or(Value::Null, |t| leaf_value(t, depth + 1)),
        other => Value::Str(other.to_string()),
    }
}

fn text_of(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => leaf_value(other, 0).as_text().into_owned(),
    }
}

/// Sets `name` unless a field of exactly that name is already there.
pub(crate) fn put_first(out: &mut Fields, name: &str, value: Value) {
    if !out.iter().any(|(n, _)| n == name) {
        out.push(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Collected;
    use std::ops::ControlFlow;
    use std::path::PathBuf;

    const DATASETS: &str = "../../../shared/datasets/evtx";

    fn dataset(rel: &str) -> Option<PathBuf> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(DATASETS)
            .join(rel);
        if p.exists() {
            Some(p)
        } else {
            println!("skipped: {} not found", p.display());
            None
        }
    }

    fn read(p: &Path) -> (Vec<Event>, Vec<ReadError>) {
        let c = Collected::from_read(|sink| read_path(p, "t.evtx", sink));
        (c.events, c.errors)
    }

    fn names(e: &Event) -> Vec<&str> {
        e.fields.iter().map(|(n, _)| n).collect()
    }

    const SYSTEM: [&str; 14] = [
        "EventID",
        "Version",
        "Level",
        "Task",
        "Opcode",
        "Keywords",
        "EventRecordID",
        "Channel",
        "Computer",
        "Provider_Name",
        "Provider_Guid",
        "Security_UserID",
        "Execution_ProcessID",
        "Execution_ThreadID",
    ];

    #[test]
    fn sysmon_process_creation() {
        let Some(p) = dataset("EVTX-to-MITRE-Attack/TA0007-Discovery/T1087-Account discovery/ID1-SPN discovery (SYSMON process).evtx") else { return };
        let (events, errors) = read(&p);
        assert!(errors.is_empty());
        let e = &events[0];
        let f = &e.fields;
        assert_eq!(&names(e)[..14], SYSTEM);
        assert_eq!(f.get("EventID"), Some(&Value::Int(1)));
        assert_eq!(f.get("EventRecordID"), Some(&Value::Int(60574)));
        assert_eq!(e.source.record_id, Some(60574));
        assert_eq!(f.text("Keywords").as_deref(), Some("0x8000000000000000"));
        assert_eq!(
            f.text("Provider_Guid").as_deref(),
            Some("{5770385f-c22a-43e0-bf4c-06f5698ffbd9}")
        );
        assert_eq!(f.text("Security_UserID").as_deref(), Some("S-1-5-18"));
        assert_eq!(f.get("Execution_ThreadID"), Some(&Value::Int(1740)));
        assert_eq!(
            f.text("TimeCreated").as_deref(),
            Some("2021-02-01T11:13:11.1959551Z")
        );
        assert_eq!(
            e.time.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-02-01T11:13:11.195955Z")
        );
        assert_eq!(
            f.text("CommandLine").as_deref(),
            Some("setspn  -T offsec -Q */*")
        );
        assert_eq!(f.get("ProcessId"), Some(&Value::Int(3360)));
        assert_eq!(f.get("TerminalSessionId"), Some(&Value::Int(3)));
        assert_eq!(
            f.text("ParentImage").as_deref(),
            Some("C:\\Windows\\System32\\cmd.exe")
        );
        assert_eq!(f.len(), 15 + 22);
    }

    #[test]
    fn security_4688() {
        let Some(p) = dataset("EVTX-to-MITRE-Attack/TA0007-Discovery/T1087-Account discovery/ID4688-User enumeration via command.evtx") else { return };
        let (events, _) = read(&p);
        let f = &events[1].fields;
        assert_eq!(f.get("EventID"), Some(&Value::Int(4688)));
        assert_eq!(f.get("Task"), Some(&Value::Int(13312)));
        assert_eq!(f.get("Level"), Some(&Value::Int(0)));
        assert_eq!(f.text("Channel").as_deref(), Some("Security"));
        assert!(f.get("Security_UserID").is_none());
        assert_eq!(
            f.text("NewProcessName").as_deref(),
            Some("C:\\Windows\\System32\\net1.exe")
        );
        assert_eq!(
            f.text("CommandLine").as_deref(),
            Some("C:\\Windows\\system32\\net1  user administrator")
        );
        assert_eq!(f.text("ProcessId").as_deref(), Some("0xa0c"));
        assert_eq!(
            names(&events[1])[13..],
            [
                "TimeCreated",
                "SubjectUserSid",
                "SubjectUserName",
                "SubjectDomainName",
                "SubjectLogonId",
                "NewProcessId",
                "NewProcessName",
                "TokenElevationType",
                "ProcessId",
                "CommandLine"
            ]
        );
    }

    #[test]
    fn mssql_15457_unnamed_data_and_qualifiers() {
        let Some(p) = dataset(
            "EVTX-ATTACK-SAMPLES/Defense Evasion/DE_xp_cmdshell_enabled_MSSQL_EID_15457.evtx",
        ) else {
            return;
        };
        let (events, _) = read(&p);
        let e = &events[1];
        assert_eq!(
            names(e),
            [
                "EventID",
                "Level",
                "Task",
                "Keywords",
                "EventRecordID",
                "Channel",
                "Computer",
                "Provider_Name",
                "TimeCreated",
                "Data",
                "Binary"
            ]
        );
        let f = &e.fields;
        assert_eq!(f.get("EventID"), Some(&Value::Int(15457)));
        assert_eq!(f.text("Provider_Name").as_deref(), Some("MSSQLSERVER"));
        assert_eq!(
            f.get("Data"),
            Some(&Value::List(vec![
                "xp_cmdshell".into(),
                "0".into(),
                "1".into()
            ]))
        );
        assert!(f.text("Binary").is_some_and(|b| b.starts_with("613C0000")));
    }

    #[test]
    fn exchange_management_6() {
        let Some(p) = dataset("EVTX-to-MITRE-Attack/TA0003-Persistence/T1505-Server Software Component/ID6-Failed to install an Exchange transport agent.evtx") else { return };
        let (events, _) = read(&p);
        assert_eq!(events.len(), 4);
        let f = &events[0].fields;
        assert_eq!(f.get("EventID"), Some(&Value::Int(6)));
        assert_eq!(f.text("Channel").as_deref(), Some("MSExchange Management"));
        assert_eq!(
            f.text("Provider_Name").as_deref(),
            Some("MSExchange CmdletLogs")
        );
        let Some(Value::List(data)) = f.get("Data") else {
            panic!("no Data list")
        };
        assert_eq!(data.len(), 27);
        assert_eq!(data[0], Value::from("Install-TransportAgent"));
        assert!(data[1]
            .as_text()
            .contains("-AssemblyPath \".\\NetshHelperBeacon.dll\""));
    }

    #[test]
    fn system_7045_and_powershell() {
        let Some(p) =
            dataset("EVTX-ATTACK-SAMPLES/Privilege Escalation/System_7045_namedpipe_privesc.evtx")
        else {
            return;
        };
        let (events, _) = read(&p);
        let f = &events[0].fields;
        assert_eq!(
            f.text("EventSourceName").as_deref(),
            Some("Service Control Manager")
        );
        assert_eq!(f.get("EventID"), Some(&Value::Int(7045)));
        assert_eq!(f.text("ServiceName").as_deref(), Some("WinPwnage"));
        assert_eq!(f.text("StartType").as_deref(), Some("demand start"));
        let Some(p) = dataset("EVTX-to-MITRE-Attack/TA0007-Discovery/T1087-Account discovery/ID4103-4104 - SPN discovery (moder nPowerShell).evtx") else { return };
        let (events, _) = read(&p);
        let f = &events[0].fields;
        assert_eq!(f.get("EventID"), Some(&Value::Int(4104)));
        assert_eq!(f.get("Opcode"), Some(&Value::Int(15)));
        assert_eq!(f.get("MessageNumber"), Some(&Value::Int(1)));
        assert_eq!(
            f.text("ScriptBlockText").as_deref(),
            Some("$SPNName = 'MSSQLSvc/Svc-SQL-DB01.offsec.lan'")
        );
        // A named Data called UserData stays a plain field.
        assert_eq!(events[1].fields.text("UserData").as_deref(), Some(""));
        let Some(p) = dataset("EVTX-to-MITRE-Attack/TA0007-Discovery/T1087-Account discovery/ID600-Active Directory module called by PowerShell.evtx") else { return };
        let (events, _) = read(&p);
        let Some(Value::List(data)) = events[0].fields.get("Data") else {
            panic!("no Data")
        };
        assert_eq!(data[0], Value::from("ActiveDirectory"));
    }

    #[test]
    fn user_data_leaves_and_string_ids() {
        let Some(p) = dataset("DeepBlueCLI/disablestop-eventlog.evtx") else {
            return;
        };
        let (events, _) = read(&p);
        let cleared = events
            .iter()
            .find(|e| e.fields.get("SubjectUserName").is_some())
            .expect("a LogFileCleared record");
        let f = &cleared.fields;
        assert_eq!(f.text("SubjectUserName").as_deref(), Some("jwrig"));
        assert_eq!(f.get("BackupPath"), Some(&Value::Null));
        assert!(f.get("xmlns").is_none());
        // UserData's own `Channel` does not replace the System one.
        assert_eq!(f.iter().filter(|(n, _)| *n == "Channel").count(), 1);
        let Some(p) =
            dataset("EVTX-to-MITRE-Attack/Antivirus/ID1116-1117-Defender threat detected.evtx")
        else {
            return;
        };
        let (events, _) = read(&p);
        let f = &events[0].fields;
        assert_eq!(f.get("EventID"), Some(&Value::Int(1116)));
        assert_eq!(f.get("Execution_ProcessID"), Some(&Value::Int(4172)));
        let Some(p) = dataset("EVTX-to-MITRE-Attack/TA0006-Credential Access/T1552.004-Unsecured Credentials-Private Keys/ID70-CAPI-Private key accessed Mimikatz.evtx") else { return };
        let (events, _) = read(&p);
        let f = &events[0].fields;
        assert_eq!(f.text("ProcessName").as_deref(), Some("mimikatz.exe"));
        assert_eq!(f.text("subjectName").as_deref(), Some("wec02.offsec.lan"));
    }

    #[test]
    fn damaged_files_yield_records_and_errors() {
        let Some(p) = dataset("EVTX-to-MITRE-Attack/TA0002-Execution/T1569.002-Service execution/ID7000,7009,7045-Payload deployed via service - Tchopper.evtx") else { return };
        let good = std::fs::read(&p).unwrap();
        let collect = |bytes: Vec<u8>| {
            let (mut ev, mut er) = (0u64, Vec::new());
            let stats = read_bytes("d.evtx", bytes, &mut |item| {
                match item {
                    Item::Event(_) => ev += 1,
                    Item::Error(e) => er.push(e),
                }
                ControlFlow::Continue(())
            });
            assert_eq!(stats.events, ev);
            assert_eq!(stats.errors, er.len() as u64);
            (ev, er)
        };
        let (all, errs) = collect(good.clone());
        assert_eq!(all, 733);
        assert!(errs.is_empty());
        let chunks = (good.len() - 4096) / 65536;
        assert!(chunks >= 2);
        // Truncated in the middle of the last chunk.
        // Chunk 7 holds records 674-733 in its first 41 056 bytes.
        let cut = 4096 + 7 * 65536 + 20_000;
        let (n, errs) = collect(good[..cut].to_vec());
        assert!(n > 0 && n < all, "{n}");
        assert!(errs[0].message.contains("truncated"), "{errs:?}");
        // First chunk zero-filled: skipped, the others read.
        let mut zeroed = good.clone();
        zeroed[4096..4096 + 65536].fill(0);
        let (n, _) = collect(zeroed);
        assert!(n > 0 && n < all, "{n}");
        // Bit flips all over a chunk's records: no panic, an error per bad record or chunk.
        let mut flipped = good.clone();
        for i in (4096 + 600..4096 + 65536).step_by(97) {
            flipped[i] ^= 0x5a;
        }
        let (n, errs) = collect(flipped);
        assert!(n < all && !errs.is_empty(), "{n} {}", errs.len());
        // Header destroyed: one file error.
        let mut header = good.clone();
        header[..8].fill(0);
        let (n, errs) = collect(header);
        assert_eq!((n, errs.len()), (0, 1));
        let (n, errs) = collect(Vec::new());
        assert_eq!((n, errs.len()), (0, 1));
    }

    #[test]
    fn random_mutations_never_panic() {
        let Some(p) =
            dataset("EVTX-ATTACK-SAMPLES/Privilege Escalation/System_7045_namedpipe_privesc.evtx")
        else {
            return;
        };
        let good = std::fs::read(&p).unwrap();
        // A fixed xorshift sequence: reproducible mutations of a real file.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let mut bytes = good.clone();
            for _ in 0..(next() % 64 + 1) {
                let at = 4096 + (next() % (bytes.len() as u64 - 4096)) as usize;
                bytes[at] = next() as u8;
            }
            if next() % 4 == 0 {
                let keep = (next() % bytes.len() as u64) as usize;
                bytes.truncate(keep);
            }
            let (mut n, mut e) = (0u64, 0u64);
            let stats = read_bytes("m.evtx", bytes, &mut |item| {
                match item {
                    Item::Event(_) => n += 1,
                    Item::Error(_) => e += 1,
                }
                ControlFlow::Continue(())
            });
            assert_eq!((stats.events, stats.errors), (n, e));
        }
    }
}
