//! Zeek logs (TSV and JSON) and the sniffing around them, read through the
//! public entry points as `ferret hunt` reads them.

use ferret_core::{Event, LogFormat, Value};
use ferret_logs::{read_bytes, read_file, sniff, Collected, LogFile, ReadOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/zeek")
        .join(name)
}

fn read(name: &str) -> Collected {
    let path = data(name);
    let file = LogFile {
        display: path.to_string_lossy().into_owned(),
        path,
        size: 0,
        walked: false,
    };
    let c = Collected::from_read(|sink| read_file(&file, &ReadOptions::default(), sink));
    assert_eq!(c.stats.events, c.events.len() as u64);
    assert_eq!(c.stats.errors, c.errors.len() as u64);
    c
}

fn text(e: &Event, name: &str) -> Option<String> {
    e.fields.text(name).map(|t| t.into_owned())
}

fn time(e: &Event) -> Option<String> {
    e.time.map(|t| t.to_rfc3339())
}

fn strs(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::from(*s)).collect())
}

#[test]
fn tsv_http_log() {
    let c = read("http.log");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.events.len(), 3);
    let size = std::fs::metadata(data("http.log")).unwrap().len();
    assert_eq!(c.stats.bytes, size);
    let e = &c.events[0];
    assert_eq!(e.format, LogFormat::Zeek);
    assert_eq!(e.source.line, Some(9));
    assert_eq!(e.source.record_id, None);
    assert_eq!(time(e).as_deref(), Some("2023-11-14T22:13:20.123456Z"));
    let f = &e.fields;
    assert_eq!(f.iter().next().map(|(n, _)| n), Some("_path"));
    assert_eq!(text(e, "_path").as_deref(), Some("http"));
    assert_eq!(f.get("ts"), Some(&Value::Float(1_700_000_000.123456)));
    assert_eq!(f.get("id.orig_p"), Some(&Value::Int(51234)));
    assert_eq!(f.get("status_code"), Some(&Value::Int(200)));
    assert_eq!(f.get("request_body_len"), Some(&Value::Int(0)));
    // Unset fields are left out; an empty set is an empty list.
    assert_eq!(f.get("referrer"), None);
    assert_eq!(f.get("origin"), None);
    assert_eq!(f.get("tags"), Some(&Value::List(vec![])));
    assert_eq!(f.get("resp_mime_types"), Some(&strs(&["text/html"])));
    // Canonical web names.
    assert_eq!(text(e, "cs-method").as_deref(), Some("GET"));
    assert_eq!(text(e, "cs-uri-stem").as_deref(), Some("/index.html"));
    assert_eq!(e.fields.get("cs-uri-query"), None);
    assert_eq!(e.fields.get("sc-status"), Some(&Value::Int(200)));
    assert_eq!(e.fields.get("sc-bytes"), Some(&Value::Int(1532)));
    assert_eq!(text(e, "c-ip").as_deref(), Some("10.0.0.5"));
    assert_eq!(text(e, "s-port").as_deref(), Some("80"));

    let e = &c.events[1];
    assert_eq!(time(e).as_deref(), Some("2023-11-14T22:13:23.500000Z"));
    // `\x09` in a value is a tab; `\x2c` inside a set item is a comma.
    assert_eq!(
        text(e, "user_agent").as_deref(),
        Some("python-requests/2.31\tevil")
    );
    assert_eq!(
        e.fields.get("tags"),
        Some(&strs(&["HTTP::URI_SQLI", "HTTP::FOO"]))
    );
    assert_eq!(
        e.fields.get("orig_filenames"),
        Some(&strs(&["a,b.txt", "c.txt"]))
    );
    assert_eq!(text(e, "username").as_deref(), Some("admin"));
    assert_eq!(text(e, "cs-uri-stem").as_deref(), Some("/uploads/cmd.aspx"));
    assert_eq!(text(e, "cs-uri-query").as_deref(), Some("c=whoami&x=1"));
    assert_eq!(
        text(e, "cs-referer").as_deref(),
        Some("http://intranet.example/upload.aspx")
    );
    assert_eq!(e.fields.get("cs-bytes"), Some(&Value::Int(38)));
    assert_eq!(text(e, "cs-username").as_deref(), Some("admin"));

    // No response: no status, no sc-status.
    let e = &c.events[2];
    assert_eq!(e.fields.get("status_code"), None);
    assert_eq!(e.fields.get("sc-status"), None);
    assert_eq!(text(e, "s-port").as_deref(), Some("8080"));
}

#[test]
fn tsv_conn_log_with_two_header_blocks() {
    let c = read("conn.log");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.events.len(), 3);
    let lines: Vec<Option<u64>> = c.events.iter().map(|e| e.source.line).collect();
    assert_eq!(lines, [Some(9), Some(10), Some(20)]);
    let e = &c.events[0];
    let f = &e.fields;
    assert_eq!(text(e, "_path").as_deref(), Some("conn"));
    assert_eq!(text(e, "proto").as_deref(), Some("tcp"));
    assert_eq!(f.get("duration"), Some(&Value::Float(7.250001)));
    assert_eq!(f.get("orig_bytes"), Some(&Value::Int(1450)));
    assert_eq!(f.get("local_orig"), Some(&Value::Bool(true)));
    assert_eq!(text(e, "conn_state").as_deref(), Some("SF"));
    assert_eq!(text(e, "history").as_deref(), Some("ShADadFf"));
    assert_eq!(f.get("tunnel_parents"), Some(&Value::List(vec![])));
    assert_eq!(f.get("cs-method"), None, "conn events get no web names");
    let e = &c.events[1];
    assert_eq!(e.fields.get("duration"), None);
    assert_eq!(e.fields.get("local_resp"), Some(&Value::Bool(false)));
    assert_eq!(e.fields.get("tunnel_parents"), None);
    let e = &c.events[2];
    assert_eq!(time(e).as_deref(), Some("2023-11-14T23:13:20.000000Z"));
    assert_eq!(text(e, "id.orig_h").as_deref(), Some("fe80::1"));
}

#[test]
fn tsv_files_log() {
    let c = read("files.log");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.events.len(), 2);
    let e = &c.events[0];
    assert_eq!(text(e, "_path").as_deref(), Some("files"));
    assert_eq!(e.fields.get("analyzers"), Some(&strs(&["MD5", "SHA1"])));
    assert_eq!(e.fields.get("seen_bytes"), Some(&Value::Int(1532)));
    assert_eq!(e.fields.get("is_orig"), Some(&Value::Bool(false)));
    assert_eq!(
        text(e, "sha1").as_deref(),
        Some("a9993e364706816aba3e25717850c26c9cd0d89d")
    );
    assert_eq!(e.fields.get("sha256"), None);
    let e = &c.events[1];
    assert_eq!(e.fields.get("analyzers"), Some(&Value::List(vec![])));
    assert_eq!(text(e, "filename").as_deref(), Some("out put.txt"));
    assert_eq!(e.fields.get("total_bytes"), None);
}

#[test]
fn several_logs_in_one_file() {
    let c = read("mixed.log");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.events.len(), 2);
    let e = &c.events[0];
    assert_eq!(text(e, "_path").as_deref(), Some("dns"));
    assert_eq!(text(e, "query").as_deref(), Some("evil.example"));
    assert_eq!(e.fields.get("trans_id"), Some(&Value::Int(4711)));
    assert_eq!(
        e.fields.get("TTLs"),
        Some(&Value::List(vec![Value::Float(60.0), Value::Float(60.0)]))
    );
    assert_eq!(
        e.fields.get("answers"),
        Some(&strs(&["1.2.3.4", "5.6.7.8"]))
    );
    assert_eq!(e.fields.get("cs-method"), None);
    let e = &c.events[1];
    assert_eq!(text(e, "_path").as_deref(), Some("http"));
    assert_eq!(e.fields.get("sc-status"), Some(&Value::Int(404)));
    assert_eq!(e.fields.get("user_agent"), None);
}

#[test]
fn damaged_lines_are_errors_and_reading_goes_on() {
    let c = read("damaged_conn.log");
    let got: Vec<(Option<u64>, &str)> = c
        .errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(
        got[0],
        (
            Some(1),
            "neither a JSON object nor a TSV line after a #fields header"
        )
    );
    assert_eq!(got[1].0, Some(11));
    assert!(
        got[1].1.starts_with("4 values for the 21 columns"),
        "{got:?}"
    );
    assert_eq!(got[2].0, Some(12));
    assert!(got[2].1.starts_with("22 values"), "{got:?}");
    assert_eq!(got[3].0, Some(14));
    assert!(got[3].1.starts_with("3 values"), "{got:?}");
    let uids: Vec<String> = c.events.iter().filter_map(|e| text(e, "uid")).collect();
    assert_eq!(uids, ["Cgood1", "Cgood3"]);
    // Values that do not parse as their type stay as text; no time then.
    let e = &c.events[1];
    assert_eq!(e.time, None);
    assert_eq!(text(e, "ts").as_deref(), Some("notatime"));
    assert_eq!(e.fields.get("duration"), Some(&Value::from("x")));
    assert_eq!(e.fields.get("local_orig"), Some(&Value::from("maybe")));
}

#[test]
fn json_http_with_flat_and_nested_ids() {
    let c = read("http.json");
    assert_eq!(c.events.len(), 2);
    let errs: Vec<(Option<u64>, &str)> = c
        .errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert_eq!(
        errs,
        [
            (
                Some(4),
                "neither a JSON object nor a TSV line after a #fields header"
            ),
            (Some(5), "not a JSON object")
        ]
    );
    let e = &c.events[0];
    assert_eq!(e.format, LogFormat::Zeek);
    assert_eq!(text(e, "_path").as_deref(), Some("http"), "from the name");
    assert_eq!(time(e).as_deref(), Some("2023-11-14T22:13:20.123456Z"));
    assert_eq!(
        e.fields.get("resp_mime_types"),
        Some(&strs(&["text/plain"]))
    );
    assert_eq!(text(e, "cs-uri-stem").as_deref(), Some("/owa/auth/x.aspx"));
    assert_eq!(text(e, "cs-uri-query").as_deref(), Some("cmd=whoami"));
    assert_eq!(e.fields.get("sc-status"), Some(&Value::Int(200)));
    let e = &c.events[1];
    assert_eq!(time(e).as_deref(), Some("2023-11-14T22:13:22.000000Z"));
    assert_eq!(text(e, "id.orig_h").as_deref(), Some("10.0.0.5"));
    assert_eq!(e.fields.get("id.resp_p"), Some(&Value::Int(80)));
    assert_eq!(text(e, "c-ip").as_deref(), Some("10.0.0.5"));
    assert_eq!(text(e, "s-ip").as_deref(), Some("192.168.1.10"));
    assert_eq!(
        text(e, "cs-referer").as_deref(),
        Some("http://intranet.example/login")
    );
}

#[test]
fn json_conn_with_iso_times() {
    let c = read("conn_iso.json");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.events.len(), 2);
    let e = &c.events[0];
    assert_eq!(text(e, "_path").as_deref(), Some("conn"));
    assert_eq!(time(e).as_deref(), Some("2023-11-14T22:13:20.100000Z"));
    assert_eq!(e.fields.get("duration"), Some(&Value::Float(7.250001)));
    assert_eq!(e.fields.get("local_orig"), Some(&Value::Bool(true)));
    assert_eq!(
        time(&c.events[1]).as_deref(),
        Some("2023-11-14T22:13:21.200000Z")
    );
}

#[test]
fn json_streaming_paths() {
    let c = read("streaming.json");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let paths: Vec<String> = c.events.iter().filter_map(|e| text(e, "_path")).collect();
    assert_eq!(paths, ["files", "http", "ssl"]);
    let files = &c.events[0];
    assert_eq!(files.fields.get("analyzers"), Some(&strs(&["MD5", "SHA1"])));
    assert_eq!(time(files).as_deref(), Some("2023-11-14T22:13:20.200000Z"));
    assert_eq!(files.fields.get("cs-method"), None);
    assert_eq!(text(&c.events[1], "cs-method").as_deref(), Some("GET"));
    assert_eq!(
        time(&c.events[2]).as_deref(),
        Some("2023-11-14T22:13:40.500000Z")
    );
}

fn gz_of(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzipped_zeek_logs() {
    let tsv = std::fs::read(data("conn.log")).unwrap();
    let c = Collected::from_read(|sink| {
        read_bytes(
            "zeek/conn.00:00:00-01:00:00.log.gz",
            &gz_of(&tsv),
            &ReadOptions::default(),
            sink,
        )
    });
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.events.len(), 3);
    assert_eq!(c.stats.bytes, tsv.len() as u64);
    assert_eq!(c.events[0].format, LogFormat::Zeek);
    assert_eq!(
        c.events[0].source.path,
        "zeek/conn.00:00:00-01:00:00.log.gz"
    );

    // JSON without `_path`: the name inside the `.gz` gives it.
    let json = std::fs::read(data("http.json")).unwrap();
    let c = Collected::from_read(|sink| {
        read_bytes("http.log.gz", &gz_of(&json), &ReadOptions::default(), sink)
    });
    assert_eq!(c.events.len(), 2);
    assert_eq!(text(&c.events[0], "_path").as_deref(), Some("http"));
}

#[test]
fn sniffing_zeek_and_generic_json() {
    let first = |name: &str| {
        let bytes = std::fs::read(data(name)).unwrap();
        sniff(name, &bytes)
    };
    assert_eq!(first("http.log"), Some(LogFormat::Zeek));
    assert_eq!(first("http.json"), Some(LogFormat::Zeek));
    assert_eq!(first("conn_iso.json"), Some(LogFormat::Zeek));
    assert_eq!(first("streaming.json"), Some(LogFormat::Zeek));
    // Winlogbeat/ECS JSON stays generic JSON lines, even with a `ts` or `uid`.
    let winlogbeat = br#"{"@timestamp":"2023-11-14T22:13:20.000Z","winlog":{"event_id":4688,"channel":"Security","event_data":{"NewProcessName":"C:\\Windows\\System32\\cmd.exe"}},"host":{"name":"WEB01"}}"#;
    assert_eq!(sniff("x.json", winlogbeat), Some(LogFormat::Jsonl));
    let auoms = br#"{"ts":"2023-11-14T22:13:20Z","uid":"1001","exe":"/bin/sh"}"#;
    assert_eq!(sniff("x.json", auoms), Some(LogFormat::Jsonl));
    let sysmon = br#"{"ts":"2023","Image":"/bin/sh","User":"root"}"#;
    assert_eq!(sniff("x.json", sysmon), Some(LogFormat::Jsonl));
    // A W3C header is not Zeek.
    assert_eq!(
        sniff("u_ex.log", b"#Software: IIS\n#Fields: date time\n"),
        Some(LogFormat::W3c)
    );
    // Captures by magic (either byte order, pcapng), or by name when damaged.
    assert_eq!(
        sniff("a", b"\xd4\xc3\xb2\xa1\x02\x00"),
        Some(LogFormat::Pcap)
    );
    assert_eq!(
        sniff("a", b"\x0a\x0d\x0d\x0a\x1c\x00"),
        Some(LogFormat::Pcap)
    );
    assert_eq!(sniff("cut.PCAPNG", b"\x00\x00"), Some(LogFormat::Pcap));
    assert_eq!(sniff("cut.cap", b"\x00\x00"), None);
}

#[test]
fn generic_json_lines_still_read_as_jsonl() {
    let line = b"{\"@timestamp\":\"2023-11-14T22:13:20.000Z\",\"winlog\":{\"event_id\":1}}\n";
    let c = Collected::from_read(|sink| read_bytes("w.json", line, &ReadOptions::default(), sink));
    assert_eq!(c.events.len(), 1);
    assert_eq!(c.events[0].format, LogFormat::Jsonl);
}

#[test]
fn long_lines_are_bounded() {
    let mut tsv = std::fs::read(data("conn.log")).unwrap();
    let at = tsv
        .windows(18)
        .position(|w| w == b"1700000001.2\tC3eiC")
        .unwrap();
    tsv.splice(at..at, std::iter::repeat_n(b'x', 5000));
    let opts = ReadOptions {
        max_line: 1024,
        ..ReadOptions::default()
    };
    let c = Collected::from_read(|sink| read_bytes("conn.log", &tsv, &opts, sink));
    assert_eq!(c.events.len(), 2);
    assert_eq!(c.errors.len(), 1);
    assert_eq!(c.errors[0].line, Some(10));
}

#[test]
fn pcap_path_reports_capture_errors_per_file() {
    // A capture header with nothing after it, plain, gzipped and in a zip:
    // whatever the decoder says, it goes through the capture path (never the
    // text readers), and every item names the file.
    let header: &[u8] = b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0";
    for (name, bytes) in [("t.pcap", header.to_vec()), ("t.pcap.gz", gz_of(header))] {
        let c =
            Collected::from_read(|sink| read_bytes(name, &bytes, &ReadOptions::default(), sink));
        assert!(c.events.iter().all(|e| e.format == LogFormat::Pcap));
        assert!(c.errors.iter().all(|e| e.path == name), "{:?}", c.errors);
        assert!(c
            .errors
            .iter()
            .all(|e| !e.message.contains("unknown log format")));
    }
}
