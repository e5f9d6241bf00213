//! Web-log analysis on real logs: web-shell and tunnel traffic must be found
//! (and named by URI), ordinary and scanned sites must not reach medium.

use ferret_core::{escape_str, Event, Severity};
use ferret_hunt::weblog::{WeblogAnalyzer, WeblogConfig, WeblogFinding};
use ferret_logs::{Item, ReadOptions};
use std::io::BufReader;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const DATASETS: &str = "../../../shared/datasets";
const ATTACK: &str = "evtx/other-logs/EVTX-ATTACK-SAMPLES/Command and Control";

#[derive(Clone, Copy)]
enum Reader {
    W3c,
    Combined,
}

/// The events of one log, or `None` (with a note) when the file is absent.
fn read(rel: &str, reader: Reader) -> Option<Vec<Event>> {
    let path = Path::new(DATASETS).join(rel);
    let Ok(file) = std::fs::File::open(&path) else {
        println!("skipped: {} not found", path.display());
        return None;
    };
    let display = path.to_string_lossy().into_owned();
    let mut events = Vec::new();
    let mut sink = |item: Item| {
        if let Item::Event(e) = item {
            events.push(e);
        }
        ControlFlow::Continue(())
    };
    let opts = ReadOptions::default();
    let r = BufReader::new(file);
    match reader {
        Reader::W3c => ferret_logs::w3c::read(&display, r, &opts, &mut sink),
        Reader::Combined => ferret_logs::combined::read(&display, r, &opts, &mut sink),
    };
    Some(events)
}

/// Every regular file of a dataset directory, sorted; `None` when absent.
fn dir_files(rel: &str) -> Option<Vec<PathBuf>> {
    let dir = Path::new(DATASETS).join(rel);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipped: {} not found", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Some(files)
}

fn analyze(events: &[Event]) -> (u64, Vec<WeblogFinding>) {
    let mut a = WeblogAnalyzer::new(Arc::new(WeblogConfig::shipped()));
    for e in events {
        a.observe(e);
    }
    (a.requests(), a.finish())
}

/// Prints findings (escaped) so `--nocapture` shows the scores.
fn show(label: &str, requests: u64, findings: &[WeblogFinding]) {
    println!("{label}: {requests} requests, {} findings", findings.len());
    for f in findings {
        println!(
            "  {} {:.0} {} {} clients={} requests={} lines={}",
            f.severity,
            f.score,
            escape_str(&f.site),
            escape_str(&f.uri),
            f.client_count,
            f.requests,
            f.lines.len()
        );
        for s in &f.signals {
            println!("    {} +{:.0}: {}", s.name, s.weight, escape_str(&s.detail));
        }
    }
}

fn signal_names(f: &WeblogFinding) -> Vec<&str> {
    f.signals.iter().map(|s| s.name).collect()
}

#[test]
fn tunna_tunnel_on_iis_is_found() {
    let Some(events) = read(&format!("{ATTACK}/Tunna_rdp_tunnel_IIS.log"), Reader::W3c) else {
        return;
    };
    let (requests, found) = analyze(&events);
    show("tunna", requests, &found);
    assert!(requests > 4000, "{requests}");
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(f.uri, "/erp/conn.aspx");
    assert!(f.severity >= Severity::High, "{:?}", f.severity);
    assert!(signal_names(f).contains(&"param_shape"));
    assert_eq!(f.clients, vec!["10.0.2.17".to_owned()]);
    assert!(!f.lines.is_empty() && f.lines.len() <= 20);
    assert!(f
        .lines
        .iter()
        .all(|(p, l)| p.ends_with("Tunna_rdp_tunnel_IIS.log") && *l >= 7));
}

#[test]
fn tomcat_cmd_jsp_is_found_and_the_scanner_is_not() {
    let rel = format!("{ATTACK}/web_attack_and_isp_webshell_localhost_access_log.txt");
    let Some(events) = read(&rel, Reader::Combined) else {
        return;
    };
    let (requests, found) = analyze(&events);
    show("tomcat", requests, &found);
    assert!(requests > 2500, "{requests}");
    let top = found.first().expect("a finding");
    assert_eq!(top.uri, "/error/cmd.jsp");
    assert!(top.severity >= Severity::High, "{:?}", top.severity);
    assert_eq!(top.clients, vec!["192.168.105.76".to_owned()]);
    assert_eq!(top.requests, 21);
    for want in [
        "new_script",
        "new_post",
        "few_clients",
        "size_swing",
        "post_heavy",
    ] {
        assert!(signal_names(top).contains(&want), "{want}");
    }
    // The first GET of the shell is line 2634 and its POSTs run to line 2660.
    assert!(top.lines.contains(&(rel_path(&rel), 2634)));
    assert!(top.lines.iter().all(|(_, l)| (2634..=2660).contains(l)));
    // No scanner probe is reported.
    assert!(
        found.iter().all(|f| f.uri == "/error/cmd.jsp"),
        "{found:#?}"
    );

    // Shuffled and split over threads, the result is the same.
    let mut shuffled = events.clone();
    shuffled.reverse();
    shuffled.rotate_left(1000);
    let cfg = Arc::new(WeblogConfig::shipped());
    let mut parts: Vec<WeblogAnalyzer> = (0..4)
        .map(|_| WeblogAnalyzer::new(Arc::clone(&cfg)))
        .collect();
    for (i, e) in shuffled.iter().enumerate() {
        parts[(i * 7) % 4].observe(e);
    }
    let mut merged = WeblogAnalyzer::new(cfg);
    for p in parts {
        merged.merge(p);
    }
    assert_eq!(merged.finish(), found);
}

fn rel_path(rel: &str) -> String {
    Path::new(DATASETS).join(rel).to_string_lossy().into_owned()
}

#[test]
fn apache_webshell_access_is_found() {
    let Some(events) = read(
        "artifacts/weblogs/webshell/apache-webshell-Access.log",
        Reader::Combined,
    ) else {
        return;
    };
    let (requests, found) = analyze(&events);
    show("apache-webshell", requests, &found);
    assert_eq!(requests, 7);
    let top = found.first().expect("a finding");
    assert_eq!(top.uri, "/shell.php");
    assert!(top.severity >= Severity::Medium, "{:?}", top.severity);
    assert!(signal_names(top).contains(&"param_shape"));
    assert_eq!(top.client_count, 2);
}

/// Reads every file of a directory into one analyzer (same directory, same site).
fn negatives(rel: &str, reader: Reader) {
    let Some(files) = dir_files(rel) else {
        return;
    };
    let mut all = Vec::new();
    for f in &files {
        let name = f
            .strip_prefix(DATASETS)
            .unwrap_or(f)
            .to_string_lossy()
            .into_owned();
        if let Some(events) = read(&name, reader) {
            all.extend(events);
        }
    }
    let (requests, found) = analyze(&all);
    show(rel, requests, &found);
    assert!(requests > 100, "{requests}");
    let loud: Vec<_> = found
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
}

#[test]
fn ordinary_combined_logs_stay_quiet() {
    negatives("artifacts/weblogs/combined", Reader::Combined);
}

#[test]
fn ordinary_iis_logs_stay_quiet() {
    negatives("artifacts/weblogs/iis-w3c", Reader::W3c);
}
