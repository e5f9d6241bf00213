//! `ferret report` on the built triage example: the web shell, the IIS log
//! lines that reached it and the Sysmon process events it caused are one
//! incident; unrelated findings stay apart; every format is written.

use crate::util::{ferret, repo};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Copies `from` into `to` recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// The triage example with the shell's mtime at its drop time; the scan's
/// and the hunt's findings as JSON lines.
struct Built {
    _tmp: tempfile::TempDir,
    results: PathBuf,
}

fn build() -> Built {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("triage");
    copy_tree(&repo().join("examples/triage"), &tree);
    let shell = tree.join("C/inetpub/wwwroot/aspnet_client/OutlookEN.aspx");
    // 2026-11-20T03:14:15Z: dropped just before its first request in the IIS log.
    let dropped = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_144_455);
    std::fs::File::options()
        .write(true)
        .open(&shell)
        .unwrap()
        .set_modified(dropped)
        .unwrap();
    let results = tmp.path().join("results");
    std::fs::create_dir_all(&results).unwrap();
    let scan = ferret()
        .args(["scan", "--root"])
        .arg(&tree)
        .args(["--format", "jsonl", "--min-severity", "low", "-q", "-o"])
        .arg(results.join("scan.jsonl"))
        .output()
        .unwrap();
    assert_eq!(
        scan.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    let hunt = ferret()
        .arg("hunt")
        .arg(tree.join("C/inetpub/logs"))
        .arg(tree.join("C/Collection"))
        .args([
            "--host",
            "triage",
            "--format",
            "jsonl",
            "--min-severity",
            "low",
            "-q",
            "-o",
        ])
        .arg(results.join("hunt.jsonl"))
        .output()
        .unwrap();
    assert_eq!(
        hunt.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&hunt.stderr)
    );
    Built { _tmp: tmp, results }
}

fn report(b: &Built, format: &str) -> (String, i32, String) {
    let out = ferret()
        .current_dir(&b.results)
        .args(["report", "scan.jsonl", "hunt.jsonl", "--format", format])
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(b: &Built) -> Vec<serde_json::Value> {
    ["scan.jsonl", "hunt.jsonl"]
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(b.results.join(f))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<serde_json::Value>>()
        })
        .collect()
}

#[test]
fn web_shell_its_log_lines_and_its_processes_are_one_incident() {
    let b = build();
    let all = findings(&b);
    let id_of = |pred: &dyn Fn(&serde_json::Value) -> bool| -> Vec<String> {
        all.iter()
            .filter(|f| pred(f))
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let shell = id_of(&|f| {
        f["subject"]["kind"] == "file"
            && f["subject"]["path"]
                .as_str()
                .unwrap()
                .ends_with("OutlookEN.aspx")
    });
    let weblog = id_of(&|f| {
        f["rule"] == "ferret.weblog"
            && f["subject"]["log"]
                .as_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("/aspnet_client/outlooken.aspx")
    });
    let process = id_of(&|f| {
        f["subject"]["kind"] == "event"
            && f["evidence"][0]["excerpt"]
                .as_str()
                .is_some_and(|e| e.contains("w3wp.exe"))
    });
    assert_eq!(shell.len(), 1, "the web shell: {all:#?}");
    assert_eq!(weblog.len(), 1, "the IIS log finding");
    assert_eq!(process.len(), 2, "cmd.exe and net.exe under w3wp.exe");

    let (out, code, err) = report(&b, "incidents");
    assert_eq!(code, 1, "{err}");
    let incidents: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let holding = |id: &str| -> &serde_json::Value {
        let v: Vec<&serde_json::Value> = incidents
            .iter()
            .filter(|i| i["findings"].as_array().unwrap().iter().any(|f| f == id))
            .collect();
        assert_eq!(v.len(), 1, "finding {id} is in exactly one incident");
        v[0]
    };
    let story = holding(&shell[0]);
    for id in weblog.iter().chain(&process) {
        assert_eq!(
            holding(id)["id"],
            story["id"],
            "{id} joined the shell's incident: {story:#}"
        );
    }
    assert_eq!(story["findings"].as_array().unwrap().len(), 4, "{story:#}");
    assert_eq!(story["severity"], "critical");
    let keys: Vec<&str> = story["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["key"].as_str().unwrap())
        .collect();
    assert!(keys.iter().any(|k| k.starts_with("uri:")), "{keys:?}");
    assert!(keys.iter().any(|k| k.starts_with("cwd:")), "{keys:?}");
    assert!(story["first_seen"]
        .as_str()
        .unwrap()
        .starts_with("2026-11-20T03:14:15"));

    // Unrelated findings stay apart: every other finding is outside the story,
    // and the Exchange agent and the IIS module are separate incidents.
    let others: Vec<&serde_json::Value> = all
        .iter()
        .filter(|f| {
            let id = f["id"].as_str().unwrap();
            !shell.iter().chain(&weblog).chain(&process).any(|x| x == id)
        })
        .collect();
    assert!(others.len() >= 5, "{others:#?}");
    for f in &others {
        assert_ne!(
            holding(f["id"].as_str().unwrap())["id"],
            story["id"],
            "{f:#}"
        );
    }
    let exchange = others
        .iter()
        .find(|f| f["subject"]["server"] == "exchange")
        .expect("the Exchange agent finding");
    let iis = others
        .iter()
        .find(|f| f["subject"]["server"] == "iis")
        .expect("the IIS module finding");
    assert_ne!(
        holding(exchange["id"].as_str().unwrap())["id"],
        holding(iis["id"].as_str().unwrap())["id"]
    );

    // Same input, same incident ids.
    let (again, _, _) = report(&b, "incidents");
    assert_eq!(out, again);
}

#[test]
fn every_format_is_written_from_the_same_findings() {
    let b = build();
    let (ecs, code, err) = report(&b, "ecs");
    assert_eq!(code, 1, "{err}");
    let docs: Vec<serde_json::Value> = ecs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), findings(&b).len());
    assert!(docs.iter().any(
        |d| d["threat"]["technique"]["subtechnique"]["id"][0] == "T1505.003"
            || d["threat"]["technique"]["subtechnique"]["id"] == "T1505.003"
    ));
    let (ocsf, _, _) = report(&b, "ocsf");
    for l in ocsf.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["class_uid"], 2004);
    }
    let (csv, _, _) = report(&b, "timeline");
    assert!(
        csv.lines().count() > findings(&b).len(),
        "one row per moment, header first"
    );
    let (layer, _, _) = report(&b, "navigator");
    let layer: serde_json::Value = serde_json::from_str(&layer).unwrap();
    assert_eq!(layer["domain"], "enterprise-attack");
    let (html, _, _) = report(&b, "html");
    assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"));
    assert!(!html.contains("http://") || !html.contains("src=\"http"));

    // A line that is not a finding is an error with its place; the rest is reported.
    std::fs::write(
        b.results.join("bad.jsonl"),
        "{\"not\":\"a finding\"}\nnot json\n",
    )
    .unwrap();
    let out = ferret()
        .current_dir(&b.results)
        .args(["report", "scan.jsonl", "bad.jsonl", "--format", "incidents"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.jsonl:1") && err.contains("bad.jsonl:2"),
        "{err}"
    );
    assert!(!out.stdout.is_empty());
}

/// Chromium, from `FERRET_CHROMIUM` or the usual paths.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FERRET_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// The DOM Chromium rendered from `page` (scripts run), killed after 60 s.
fn rendered_dom(bin: &Path, dir: &Path, page: &Path) -> String {
    let stdout = dir.join("dom.html");
    let mut child = std::process::Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
        ])
        .args(["--no-first-run", "--dump-dom"])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("file://{}", page.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read_to_string(stdout).unwrap()
}

/// Every start tag of `html` with its attribute text (`<name attrs>`), outside
/// comments; enough to find elements and `on*` attributes in a rendered DOM.
fn start_tags(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if rest.starts_with("!--") {
            rest = rest.find("-->").map_or("", |j| &rest[j + 3..]);
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name.is_empty() {
            continue;
        }
        // Attribute values are quoted in a serialized DOM.
        let mut end = rest.len();
        let mut quote = None;
        for (k, c) in rest.char_indices() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => {
                    end = k;
                    break;
                }
                _ => {}
            }
        }
        out.push((name.to_ascii_lowercase(), rest[name.len()..end].to_string()));
        rest = &rest[end..];
    }
    out
}

/// The attribute names of a start tag's attribute text (values skipped,
/// quoted or not).
fn attr_names(attrs: &str) -> Vec<String> {
    let b = attrs.as_bytes();
    let mut names = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        if i > start {
            names.push(attrs[start..i].to_ascii_lowercase());
        }
        if i < b.len() && b[i] == b'=' {
            i += 1;
            match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    i += 1;
                    while i < b.len() && b[i] != q {
                        i += 1;
                    }
                    i += 1;
                }
                _ => {
                    while i < b.len() && !b[i].is_ascii_whitespace() {
                        i += 1;
                    }
                }
            }
        } else if i == start {
            i += 1;
        }
    }
    names
}

/// A web shell whose file name carries markup, a script and event handlers,
/// scanned by the real binary and reported as HTML: in Chromium the report's
/// own script runs and nothing from the name became an element or handler.
#[test]
fn hostile_file_name_cannot_inject_into_the_html_report() {
    let Some(bin) = chromium() else {
        println!("skipped: chromium not installed (set FERRET_CHROMIUM)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("www");
    let names = [
        "<script>document.title='PWNED'<script>.php",
        "x\"><img src=x onerror=document.title='PWNED'>.php",
        "<svg onload=document.title='PWNED'>'.php",
    ];
    for n in names {
        crate::util::write(&root, n, crate::util::SHELL);
    }
    let page = tmp.path().join("report.html");
    let scan = ferret()
        .arg("scan")
        .arg(&root)
        .args(["--format", "html", "-q", "-o"])
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(
        scan.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    let dom = rendered_dom(&bin, tmp.path(), &page);
    let tags = start_tags(&dom);
    let body = tags.iter().find(|(n, _)| n == "body").expect("a body");
    assert!(
        body.1.contains("data-ready=\"1\""),
        "the report's script ran: {}",
        body.1
    );
    assert_eq!(tags.iter().filter(|(n, _)| n == "script").count(), 1);
    assert!(
        !tags.iter().any(|(n, _)| n == "img"),
        "an <img> was injected"
    );
    for (n, attrs) in &tags {
        let handler = attr_names(attrs).into_iter().find(|a| a.starts_with("on"));
        assert!(handler.is_none(), "<{n}{attrs}> carries an event handler");
    }
    assert!(!dom.contains("<title>PWNED"), "the title was changed");
    // The names are there, as text.
    assert!(
        dom.contains("&lt;script&gt;document.title='PWNED'&lt;script&gt;.php")
            || dom.contains("&lt;script&gt;document.title=&#39;PWNED&#39;&lt;script&gt;.php")
    );
    assert!(
        dom.contains("onerror=document.title="),
        "the handler name is shown as text"
    );
}
