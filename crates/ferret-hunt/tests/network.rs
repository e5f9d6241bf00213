//! The network analyzer through its public API: capture-style events in,
//! findings out, and their conversion to `ferret_core::Finding`.

use ferret_core::{
    Event, EventSource, Fields, LogFormat, Severity, Subject, Technique, Timestamp, Value,
};
use ferret_hunt::findings::{network_finding, HuntContext};
use ferret_hunt::network::{FindingKind, NetworkAnalyzer, NetworkConfig, NetworkError};
use std::sync::Arc;

const T0: i64 = 1_700_000_000;

fn http(
    n: u64,
    secs: i64,
    client: &str,
    method: &str,
    uri: &str,
    fields: &[(&str, Value)],
) -> Event {
    let mut f = Fields::new();
    f.push("_path", "http");
    f.push("id.orig_h", client);
    f.push("id.orig_p", Value::Int(51000));
    f.push("id.resp_h", "192.0.2.10");
    f.push("id.resp_p", Value::Int(8080));
    f.push("method", method);
    f.push("host", "intranet.example.test");
    f.push("uri", uri);
    f.push("status_code", Value::Int(200));
    for (k, v) in fields {
        f.push(*k, v.clone());
    }
    Event {
        source: EventSource {
            path: "/evidence/capture.pcapng".into(),
            record_id: Some(n),
            line: None,
        },
        format: LogFormat::Pcap,
        time: Some(Timestamp::from_unix_secs(T0 + secs)),
        fields: f,
    }
}

fn conn(n: u64, secs: i64, orig: &str, resp: &str, port: i64, duration: f64) -> Event {
    let mut f = Fields::new();
    f.push("_path", "conn");
    f.push("id.orig_h", orig);
    f.push("id.orig_p", Value::Int(43210));
    f.push("id.resp_h", resp);
    f.push("id.resp_p", Value::Int(port));
    f.push("proto", "tcp");
    f.push("duration", Value::Float(duration));
    Event {
        source: EventSource {
            path: "/evidence/capture.pcapng".into(),
            record_id: Some(n),
            line: None,
        },
        format: LogFormat::Pcap,
        time: Some(Timestamp::from_unix_secs(T0 + secs)),
        fields: f,
    }
}

/// A small case: staff browsing an intranet for two hours, then a JSP shell
/// driven with `cmd=` and a reverse shell from the server.
fn case() -> Vec<Event> {
    let mut v = Vec::new();
    let mut n = 1;
    for i in 0..120 {
        let client = format!("10.20.0.{}", i % 8);
        v.push(http(
            n,
            i * 60,
            &client,
            "GET",
            "/portal/home.jsp?tab=news",
            &[("response_body", "<html><h1>News</h1></html>".into())],
        ));
        n += 1;
    }
    for k in 0..4 {
        let cmd = ["whoami", "ipconfig%20%2Fall", "net%20user", "dir%20C%3A%5C"][k];
        let out = [
            "nt authority\\system",
            "Windows IP Configuration\r\n",
            "User accounts for \\\\WEB01",
            " Directory of C:\\\r\n",
        ][k];
        v.push(http(
            n,
            7200 + k as i64 * 30,
            "203.0.113.50",
            "GET",
            &format!("/portal/res/help.jsp?cmd={cmd}"),
            &[
                ("response_body", out.into()),
                ("user_agent", "python-requests/2.31".into()),
            ],
        ));
        n += 1;
    }
    v.push(conn(n, 7300, "192.0.2.10", "203.0.113.51", 4444, 2400.0));
    v
}

#[test]
fn a_shell_session_becomes_t1505_003_findings() {
    let cfg = Arc::new(NetworkConfig::shipped());
    let mut a = NetworkAnalyzer::new(Arc::clone(&cfg));
    let events = case();
    for e in &events {
        a.observe(e);
    }
    assert_eq!((a.transactions(), a.conns(), a.dropped()), (124, 1, 0));
    let found = a.finish();
    for f in &found {
        eprintln!(
            "{:?} {} {:?} score {} {:?}: {:?}",
            f.kind,
            f.server,
            f.uri,
            f.score,
            f.severity,
            f.signals
                .iter()
                .map(|s| (s.name, s.weight))
                .collect::<Vec<_>>()
        );
    }
    assert_eq!(found.len(), 2, "{found:#?}");
    let content = &found[0];
    assert_eq!(content.kind, FindingKind::Content);
    assert_eq!(content.uri.as_deref(), Some("/portal/res/help.jsp"));
    assert_eq!(content.server, "192.0.2.10:8080");
    assert!(content.severity >= Severity::High);
    assert_eq!(content.clients, vec!["203.0.113.50".to_owned()]);
    let flow = &found[1];
    assert_eq!(flow.kind, FindingKind::Flow);
    assert_eq!(flow.server, "192.0.2.10");
    assert!(flow.severity >= Severity::High);

    let ctx = HuntContext {
        host: Some("web01".into()),
        time: "2026-01-01T00:00:00Z".into(),
    };
    let f = network_finding(content, &ctx);
    assert_eq!(f.technique, Technique::WebShell);
    assert_eq!(f.technique.id(), "T1505.003");
    assert_eq!(f.severity, content.severity);
    assert_eq!(f.evidence.len(), content.signals.len() + 1);
    assert!(f
        .evidence
        .iter()
        .any(|e| e.rule == "network.content.command_output"));
    let Subject::Event(s) = &f.subject else {
        panic!("subject is an event");
    };
    let telling = content.telling.as_ref().expect("a telling event");
    assert_eq!(s.record_id, telling.record_id);
    assert!(s.record_id.is_some_and(|r| r > 120));
    assert!(s.event_time.is_some());
    // Printers escape: control characters from captured text never pass raw.
    assert!(f
        .evidence
        .iter()
        .filter_map(|e| e.excerpt.as_ref())
        .all(|x| !x.to_string().contains('\r')));
    let g = network_finding(flow, &ctx);
    assert_eq!(g.technique, Technique::WebShell);
    assert_eq!(g.rule, "ferret.network.flow");
    assert_ne!(f.id, g.id);
    assert_eq!(f.incident, g.incident);
}

#[test]
fn settings_errors_name_the_setting() {
    let shipped = include_str!("../../../rules/network/signals.toml");
    let err = |text: &str| -> String {
        match NetworkConfig::from_toml(text) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted bad settings"),
        }
    };
    assert!(err(&shipped.replace("max_conns = 2", "max_conns = 0"))
        .contains("flow.rare_destination.max_conns"));
    assert!(err(&shipped.replace("min_conns = 6", "min_conns = 1000"))
        .contains("flow.beacon.min_conns"));
    assert!(err(&shipped.replace("[uri.session]", "[uri.sessions]")).contains("session"));
    assert!(matches!(
        NetworkConfig::from_toml("[scoring]\nthreshold = 1.0\n"),
        Err(NetworkError::Toml(_))
    ));
    assert!(NetworkConfig::from_toml(shipped).is_ok());
}

/// Events of a Zeek TSV log, read by ferret-logs.
fn zeek(name: &str, text: &str) -> Vec<Event> {
    let mut out = Vec::new();
    let mut sink = |item: ferret_logs::Item| {
        if let ferret_logs::Item::Event(e) = item {
            out.push(e);
        }
        std::ops::ControlFlow::Continue(())
    };
    ferret_logs::read_bytes(
        name,
        text.as_bytes(),
        &ferret_logs::ReadOptions::default(),
        &mut sink,
    );
    out
}

const HEADER: &str =
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n";

#[test]
fn zeek_tsv_logs_through_the_reader() {
    let mut http = format!(
        "{HEADER}#path\thttp\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\tuser_agent\trequest_body_len\tresponse_body_len\tstatus_code\n#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tcount\tcount\tcount\n"
    );
    for i in 0..60 {
        http.push_str(&format!(
            "{}.5\tC{i}\t10.1.1.{}\t5{i:04}\t192.0.2.80\t80\t1\tGET\tshop.test\t/index.php?p={i}\tMozilla/5.0\t0\t5120\t200\n",
            T0 + i * 60,
            i % 6
        ));
    }
    for k in 0..3 {
        http.push_str(&format!(
            "{}.0\tS{k}\t203.0.113.9\t6000{k}\t192.0.2.80\t80\t1\tGET\tshop.test\t/img/a.php?cmd=whoami\tantSword/v2.1\t0\t30\t200\n",
            T0 + 3600 + k * 10
        ));
    }
    let conn = format!(
        "{HEADER}#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\tconn_state\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tstring\n{}.0\tX1\t192.0.2.80\t41000\t198.51.100.9\t1337\ttcp\t-\t1800.5\tSF\n{}.0\tX2\t192.0.2.80\t41001\t192.0.2.53\t53\tudp\tdns\t0.01\tSF\n",
        T0 + 3700,
        T0 + 3701
    );
    let mut events = zeek("/logs/http.log", &http);
    assert_eq!(events.len(), 63, "the Zeek reader read every line");
    events.extend(zeek("/logs/conn.log", &conn));
    assert_eq!(events.len(), 65);
    let mut a = NetworkAnalyzer::new(Arc::new(NetworkConfig::shipped()));
    for e in &events {
        a.observe(e);
    }
    assert_eq!((a.transactions(), a.conns()), (63, 2));
    let found = a.finish();
    assert_eq!(found.len(), 2, "{found:#?}");
    let content = found
        .iter()
        .find(|f| f.kind == FindingKind::Content)
        .expect("content finding");
    assert_eq!(content.uri.as_deref(), Some("/img/a.php"));
    assert!(content.telling.as_ref().is_some_and(|t| t.line.is_some()));
    let flow = found
        .iter()
        .find(|f| f.kind == FindingKind::Flow)
        .expect("flow finding");
    let fl = flow.flow.as_ref().expect("flow");
    assert_eq!(fl.resp, "198.51.100.9:1337");
    assert_eq!(fl.duration, Some(1800.5));
}
