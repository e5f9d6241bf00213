//! The text readers (W3C, combined) on the real logs under
//! `../shared/datasets`; each test says "skipped" when the tree is absent.

use ferret_core::{Event, Value};
use ferret_logs::{combined, w3c, Collected, ReadError, ReadOptions, ReadStats};
use std::io::BufReader;
use std::path::{Path, PathBuf};

type Reader =
    fn(&str, BufReader<std::fs::File>, &ReadOptions, &mut ferret_logs::Sink<'_>) -> ReadStats;

fn dataset(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/datasets")
        .join(rel)
}

fn read_file(path: &Path, reader: Reader) -> Option<(Vec<Event>, Vec<ReadError>, ReadStats)> {
    let Ok(file) = std::fs::File::open(path) else {
        println!("skipped: {} not found", path.display());
        return None;
    };
    let display = path.display().to_string();
    let Collected {
        events,
        errors,
        stats,
    } = Collected::from_read(|sink| {
        reader(
            &display,
            BufReader::new(file),
            &ReadOptions::default(),
            sink,
        )
    });
    assert_eq!(stats.events, events.len() as u64);
    assert_eq!(stats.errors, errors.len() as u64);
    assert_eq!(
        stats.bytes,
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    );
    Some((events, errors, stats))
}

/// Lines that are neither blank nor `#` directives.
fn data_lines(path: &Path) -> usize {
    let data = std::fs::read(path).unwrap_or_default();
    data.split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace) && !l.starts_with(b"#"))
        .count()
}

#[test]
fn tunna_iis_log_every_data_line_is_an_event() {
    let path =
        dataset("evtx/other-logs/EVTX-ATTACK-SAMPLES/Command and Control/Tunna_rdp_tunnel_IIS.log");
    let Some((events, errors, _)) = read_file(&path, w3c::read) else {
        return;
    };
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(events.len(), 4298);
    assert_eq!(events.len(), data_lines(&path));
    let first = &events[0];
    assert_eq!(first.source.line, Some(7));
    assert_eq!(
        first.time.map(|t| t.to_rfc3339()).as_deref(),
        Some("2019-09-03T10:13:36.000000Z")
    );
    assert_eq!(
        first.fields.text("cs-uri-stem").as_deref(),
        Some("/erp/conn.aspx")
    );
    assert_eq!(
        first.fields.text("cs-uri-query").as_deref(),
        Some("proxy&port=3389&ip=127.0.0.1")
    );
    assert_eq!(
        first.fields.text("cs-uri").as_deref(),
        Some("/erp/conn.aspx?proxy&port=3389&ip=127.0.0.1")
    );
    assert_eq!(first.fields.text("c-ip").as_deref(), Some("10.0.2.17"));
    assert_eq!(first.fields.get("sc-status"), Some(&Value::Int(200)));
    assert_eq!(first.fields.get("time-taken"), Some(&Value::Int(7)));
    assert_eq!(first.fields.get("cs-user-agent"), None);
    let posts = events
        .iter()
        .filter(|e| e.fields.text("cs-method").as_deref() == Some("POST"))
        .count();
    assert!(posts > 100, "{posts}");
    assert!(w3c::looks_like(
        &std::fs::read(&path).unwrap_or_default()[..4096]
    ));
}

#[test]
fn iis_w3c_samples() {
    let dir = dataset("artifacts/weblogs/iis-w3c");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipped: {} not found", dir.display());
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut total = 0;
    for path in &paths {
        let Some((events, errors, _)) = read_file(path, w3c::read) else {
            continue;
        };
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        assert_eq!(events.len(), data_lines(path), "{}", path.display());
        total += events.len();
        let head = std::fs::read(path).unwrap_or_default();
        assert!(w3c::looks_like(&head), "{}", path.display());
        assert!(!combined::looks_like(&head), "{}", path.display());
    }
    assert_eq!(total, 233);
    // logfile_w3c.2: no date column, the #Date directive's date is used; the
    // second header's date applies after it.
    let Some((events, _, _)) = read_file(&dir.join("logfile_w3c.2"), w3c::read) else {
        return;
    };
    assert_eq!(
        events[0].time.map(|t| t.to_rfc3339()).as_deref(),
        Some("2000-10-09T16:44:49.000000Z")
    );
    assert_eq!(
        events
            .last()
            .and_then(|e| e.time)
            .map(|t| t.to_rfc3339())
            .as_deref(),
        Some("2000-10-10T16:48:05.000000Z")
    );
    // logfile_w3c.3: IIS Advanced Logging, quoted values with doubled quotes.
    let Some((events, _, _)) = read_file(&dir.join("logfile_w3c.3"), w3c::read) else {
        return;
    };
    assert_eq!(
        events[0].fields.text("cs-host").as_deref(),
        Some("xzy.example.com")
    );
    assert_eq!(events[0].fields.text("c-ip").as_deref(), Some("70.95.0.0"));
    assert_eq!(
        events[2].fields.text("sc-substatus").as_deref(),
        Some(" \"garbage\" w/ spaces ")
    );
    assert_eq!(events[2].fields.get("time-taken"), Some(&Value::Int(359)));
}

#[test]
fn combined_samples() {
    let dir = dataset("artifacts/weblogs/combined");
    let cases = [
        ("logfile_access_log.0", 3, 0),
        ("logfile_access_log.1", 1, 0),
        ("logfile_bad_access_log.0", 2, 1),
        ("logfile_shop_access_log.0", 1000, 0),
    ];
    for (name, want_events, want_errors) in cases {
        let Some((events, errors, _)) = read_file(&dir.join(name), combined::read) else {
            continue;
        };
        assert_eq!(
            (events.len(), errors.len()),
            (want_events, want_errors),
            "{name}: {errors:?}"
        );
        for e in &events {
            assert!(e.time.is_some(), "{name}");
            assert!(e.fields.get("sc-status").is_some(), "{name}");
        }
        assert!(combined::looks_like(
            &std::fs::read(dir.join(name)).unwrap_or_default()
        ));
    }
    let Some((_, errors, _)) = read_file(&dir.join("logfile_bad_access_log.0"), combined::read)
    else {
        return;
    };
    assert_eq!(errors[0].line, Some(2));
    let Some((events, _, _)) = read_file(&dir.join("logfile_shop_access_log.0"), combined::read)
    else {
        return;
    };
    let first = &events[0];
    assert_eq!(
        first.time.map(|t| t.to_rfc3339()).as_deref(),
        Some("2019-01-22T00:26:14.000000Z")
    );
    assert_eq!(
        first.fields.text("cs-user-agent").as_deref(),
        Some("Mozilla/5.0 (compatible; AhrefsBot/6.1; +http://ahrefs.com/robot/)")
    );
    assert_eq!(first.fields.text("extra").as_deref(), Some("-"));
    assert_eq!(first.fields.get("sc-bytes"), Some(&Value::Int(30577)));
}

#[test]
fn apache_webshell_access_log() {
    let path = dataset("artifacts/weblogs/webshell/apache-webshell-Access.log");
    let Some((events, errors, _)) = read_file(&path, combined::read) else {
        return;
    };
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(events.len(), 7);
    let cmd = &events[3];
    assert_eq!(cmd.source.line, Some(4));
    assert_eq!(cmd.fields.text("cs-uri-stem").as_deref(), Some("/"));
    assert_eq!(
        cmd.fields.text("cs-uri-query").as_deref(),
        Some("cmd=whoami")
    );
    assert_eq!(cmd.fields.get("sc-bytes"), Some(&Value::Int(42)));
    assert_eq!(cmd.fields.get("cs-user-agent"), None);
}

#[test]
fn tomcat_access_log_with_garbage_requests() {
    let path = dataset(
        "evtx/other-logs/EVTX-ATTACK-SAMPLES/Command and Control/web_attack_and_isp_webshell_localhost_access_log.txt",
    );
    let Some((events, errors, _)) = read_file(&path, combined::read) else {
        return;
    };
    println!("tomcat: {} events, {} errors", events.len(), errors.len());
    for e in &errors {
        println!("  {e}");
    }
    assert_eq!(events.len() + errors.len(), 2661);
    assert!(errors.is_empty(), "{errors:?}");
    let garbage = events
        .iter()
        .filter(|e| e.fields.get("cs-method").is_none())
        .count();
    assert!(garbage >= 3, "{garbage}");
    let jsp = events
        .iter()
        .filter(|e| {
            e.fields
                .text("cs-uri-stem")
                .is_some_and(|s| s.ends_with(".jsp"))
        })
        .count();
    assert!(jsp > 10, "{jsp}");
    assert!(combined::looks_like(
        &std::fs::read(&path).unwrap_or_default()[..8192]
    ));
}
