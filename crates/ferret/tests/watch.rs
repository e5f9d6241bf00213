//! `ferret watch` as a real child process: real inotify, a real store, real
//! signals. Findings are read from its standard output (JSON lines) as they
//! arrive; waits are bounded, never timed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SHELL: &str = "<?php eval(base64_decode($_POST[\"x\"])); ?>\n";
const BENIGN: &str = "<?php echo \"hello\"; ?>\n";
const WHOAMI: &str = "10.0.0.9 - - [10/Oct/2024:13:55:36 +0000] \"GET /up/x.php?cmd=whoami HTTP/1.1\" 200 12 \"-\" \"curl/8\"\n";

struct Daemon {
    child: Child,
    lines: Arc<Mutex<Vec<serde_json::Value>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

fn spawn(args: &[&std::ffi::OsStr]) -> Daemon {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("ferret"))
        .arg("watch")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&lines);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let line = line.unwrap();
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            l.lock().unwrap().push(v);
        }
    });
    Daemon {
        child,
        lines,
        reader: Some(reader),
    }
}

impl Daemon {
    fn findings(&self) -> Vec<serde_json::Value> {
        self.lines.lock().unwrap().clone()
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&[serde_json::Value]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !pred(&self.findings()) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {:#?}",
                self.findings()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, sig: i32) {
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, sig) }, 0);
    }

    /// SIGTERM; returns the exit status and every finding printed.
    fn stop(mut self) -> (Option<i32>, Vec<serde_json::Value>) {
        self.signal(libc::SIGTERM);
        let status = self.child.wait().unwrap();
        self.reader.take().unwrap().join().unwrap();
        (status.code(), self.findings())
    }
}

fn args(root: &Path, db: &Path, extra: &[&std::ffi::OsStr]) -> Vec<std::ffi::OsString> {
    let mut v: Vec<std::ffi::OsString> = vec![
        root.into(),
        "--db".into(),
        db.into(),
        "--format".into(),
        "jsonl".into(),
        "--no-components".into(),
        "--settle".into(),
        "100".into(),
    ];
    v.extend(extra.iter().map(|s| s.to_os_string()));
    v
}

fn start(a: &[std::ffi::OsString]) -> Daemon {
    let refs: Vec<&std::ffi::OsStr> = a.iter().map(|s| s.as_os_str()).collect();
    spawn(&refs)
}

fn paths(f: &[serde_json::Value]) -> Vec<String> {
    f.iter()
        .map(|x| x["subject"]["path"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn watch_reports_files_and_log_lines_once_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("www");
    std::fs::create_dir(&root).unwrap();
    let log: PathBuf = dir.path().join("access.log");
    std::fs::write(&log, "").unwrap();
    let db = dir.path().join("state/ferret.db");
    let a = args(&root, &db, &["--log".as_ref(), log.as_os_str()]);
    let d = start(&a);
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(root.join("benign.php"), BENIGN).unwrap();
    std::fs::write(root.join("shell.php"), SHELL).unwrap();
    d.wait_for("the web shell", |f| !f.is_empty());
    std::fs::write(&log, WHOAMI).unwrap();
    d.wait_for("the log line", |f| f.len() >= 2);
    std::thread::sleep(Duration::from_millis(600));
    let (code, f) = d.stop();
    assert_eq!(code, Some(0));
    assert_eq!(f.len(), 2, "{f:#?}");
    let p = paths(&f);
    assert!(p[0].ends_with("www/shell.php"), "{p:?}");
    assert_eq!(f[0]["rule"], "ferret.webshell");
    assert!(p[1].ends_with("access.log"), "{p:?}");
    assert_eq!(f[1]["subject"]["line"], 1);

    // Down: a new shell; on restart only it is reported.
    std::fs::write(root.join("later.php"), SHELL).unwrap();
    let d = start(&a);
    d.wait_for("the file created while down", |f| !f.is_empty());
    std::thread::sleep(Duration::from_millis(800));
    let (code, f) = d.stop();
    assert_eq!(code, Some(0));
    assert_eq!(paths(&f).len(), 1, "{f:#?}");
    assert!(paths(&f)[0].ends_with("later.php"));
}

#[test]
fn sighup_loads_new_yara_rules() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("www");
    let rules = dir.path().join("yara");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&rules).unwrap();
    let rule =
        |needle: &str| format!("rule site_marker {{ strings: $a = \"{needle}\" condition: $a }}\n");
    std::fs::write(rules.join("site.yar"), rule("NOT_THE_MARKER_0000")).unwrap();
    let db = dir.path().join("ferret.db");
    let a = args(&root, &db, &["--yara".as_ref(), rules.as_os_str()]);
    let d = start(&a);
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(root.join("before.txt"), "FERRET_SITE_MARKER_4242\n").unwrap();
    // A shell is a sentinel: once it is reported, before.txt was judged too.
    std::fs::write(root.join("sentinel.php"), SHELL).unwrap();
    d.wait_for("the sentinel", |f| !f.is_empty());
    std::fs::write(rules.join("site.yar"), rule("FERRET_SITE_MARKER_4242")).unwrap();
    d.signal(libc::SIGHUP);
    std::thread::sleep(Duration::from_millis(1500));
    std::fs::write(root.join("after.txt"), "FERRET_SITE_MARKER_4242\n").unwrap();
    d.wait_for("the file matching the new rule", |f| f.len() >= 2);
    std::thread::sleep(Duration::from_millis(500));
    let (code, f) = d.stop();
    assert_eq!(code, Some(0));
    let p = paths(&f);
    assert_eq!(p.len(), 2, "{f:#?}");
    assert!(p[1].ends_with("after.txt"), "{p:?}");
    assert!(!p.iter().any(|x| x.ends_with("before.txt")));
}

/// The daemon is stopped (SIGSTOP) while more files land than the kernel's
/// inotify queue holds, so the queue overflows for certain; after SIGCONT
/// the overflow rescan must find every web shell, each exactly once.
#[test]
fn queue_overflow_rescans_and_loses_nothing() {
    let queued: usize = std::fs::read_to_string("/proc/sys/fs/inotify/max_queued_events")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(16384);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("www");
    // Watched from the start, so every file below raises an event.
    let sub = root.join("burst");
    std::fs::create_dir_all(&sub).unwrap();
    let db = dir.path().join("ferret.db");
    let a = args(&root, &db, &[]);
    let refs: Vec<&std::ffi::OsStr> = a.iter().map(|s| s.as_os_str()).collect();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("ferret"))
        .arg("watch")
        .args(&refs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&lines);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            l.lock().unwrap().push(v);
        }
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut BufReader::new(err), &mut s).unwrap();
        s
    });
    let d = Daemon {
        child,
        lines,
        reader: Some(reader),
    };
    std::fs::write(root.join("first.php"), SHELL).unwrap();
    d.wait_for("the first shell (watching)", |f| f.len() == 1);
    d.signal(libc::SIGSTOP);
    let total = queued + queued / 4;
    let mut shells = 1;
    for i in 0..total {
        let shell = i % 16 == 0;
        shells += shell as usize;
        let body = if shell { SHELL } else { BENIGN };
        std::fs::write(sub.join(format!("f{i}.php")), body).unwrap();
    }
    d.signal(libc::SIGCONT);
    d.wait_for("every shell of the burst", |f| f.len() >= shells);
    std::thread::sleep(Duration::from_millis(1500));
    let (code, f) = d.stop();
    let stderr = err_reader.join().unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    let mut ids: Vec<&str> = f.iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(f.len(), shells, "one finding per shell");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), shells, "no duplicate finding id");
    assert!(
        !stderr.contains(" 0 rescan(s)"),
        "the queue overflowed, so a rescan must have run: {stderr}"
    );
}

/// `--sink` on the daemon: with the broker unreachable, each batch's findings
/// wait in the spool (one JSON finding per line) for the next flush.
#[test]
fn sink_keeps_findings_in_the_spool_while_the_broker_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("www");
    std::fs::create_dir(&root).unwrap();
    let db = dir.path().join("state/ferret.db");
    let spool = dir.path().join("spool/spool.jsonl");
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sink = format!("nats://127.0.0.1:{port}");
    let a = args(
        &root,
        &db,
        &[
            "--sink".as_ref(),
            sink.as_ref(),
            "--spool".as_ref(),
            spool.as_os_str(),
        ],
    );
    let d = start(&a);
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(root.join("shell.php"), SHELL).unwrap();
    d.wait_for("the web shell", |f| !f.is_empty());
    std::thread::sleep(Duration::from_millis(300));
    let (code, f) = d.stop();
    assert_eq!(code, Some(0));
    let spooled: Vec<serde_json::Value> = std::fs::read_to_string(&spool)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(spooled.len(), 1, "{spooled:#?}");
    assert_eq!(spooled[0]["id"], f[0]["id"]);
}
