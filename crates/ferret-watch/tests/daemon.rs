//! The daemon as a library, on real inotify and a real SQLite store: files
//! created are judged once, logs are followed across rotation and
//! truncation, a restart neither loses nor repeats, and a burst larger than
//! the kernel's event queue loses nothing.

use ferret_detect::webshell::WebshellConfig;
use ferret_hunt::sigma::RuleSetBuilder;
use ferret_logs::ReadOptions;
use ferret_store::state::WatchState;
use ferret_store::Store;
use ferret_watch::{Control, Outputs, StdoutFormat, Summary, WatchConfig};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const SHELL: &str = "<?php eval(base64_decode($_POST[\"x\"])); ?>\n";
const BENIGN: &str = "<?php echo \"hello\"; ?>\n";

struct Running {
    control: Control,
    thread: std::thread::JoinHandle<Summary>,
    out: PathBuf,
}

fn start(root: &Path, logs: &[PathBuf], db: &Path, out: &Path) -> Running {
    let config = WatchConfig {
        roots: vec![root.to_path_buf()],
        logs: logs.to_vec(),
        webshell: WebshellConfig::default(),
        sigma: Box::new(|| {
            let mut b = RuleSetBuilder::new();
            b.add_shipped();
            Ok(b.build().0)
        }),
        weblog: false,
        weblog_interval: Duration::from_secs(60),
        host: "test".into(),
        max_size: 1 << 20,
        quiet: Duration::from_millis(100),
        threads: 2,
        read_options: ReadOptions::default(),
        configs: None,
    };
    let state = WatchState::new(Store::open(db).unwrap()).unwrap();
    let control = Control::default();
    let c = control.clone();
    let out_path = out.to_path_buf();
    let thread = std::thread::spawn(move || {
        let mut outputs = Outputs::open(StdoutFormat::Off, Some(&out_path), None).unwrap();
        ferret_watch::run(config, state, &mut outputs, &c, &mut |n| {
            eprintln!("note: {n}")
        })
        .unwrap()
    });
    Running {
        control,
        thread,
        out: out.to_path_buf(),
    }
}

impl Running {
    fn stop(self) -> Summary {
        self.control.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap()
    }

    /// The findings written so far, as JSON.
    fn findings(&self) -> Vec<serde_json::Value> {
        read_findings(&self.out)
    }

    /// Waits (up to 60 s) until `pred` holds for the findings.
    fn wait_for(
        &self,
        what: &str,
        pred: impl Fn(&[serde_json::Value]) -> bool,
    ) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let f = self.findings();
            if pred(&f) {
                return f;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; have {f:#?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn read_findings(p: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn path_of(f: &serde_json::Value) -> String {
    f["subject"]["path"].as_str().unwrap_or_default().to_owned()
}

fn count_by_path(f: &[serde_json::Value]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for x in f {
        *m.entry(path_of(x)).or_default() += 1;
    }
    m
}

#[test]
fn created_files_are_judged_once_and_restart_neither_loses_nor_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("www");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("old.php"), SHELL).unwrap();
    let (db, out) = (dir.path().join("s.db"), dir.path().join("f.jsonl"));
    let d = start(&root, &[], &db, &out);
    // Found at start (reconcile), then as created, in new nested directories too.
    std::fs::write(root.join("benign.php"), BENIGN).unwrap();
    std::fs::write(root.join("new.php"), SHELL).unwrap();
    std::fs::create_dir_all(root.join("a/b/c")).unwrap();
    std::fs::write(root.join("a/b/c/deep.php"), SHELL).unwrap();
    let f = d.wait_for("three shells", |f| f.len() >= 3);
    // Rewriting with the same content and touching does not report again.
    std::fs::write(root.join("new.php"), SHELL).unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let s = d.stop();
    let f2 = read_findings(&out);
    assert_eq!(f2.len(), 3, "{f2:#?}");
    let by = count_by_path(&f);
    for name in ["old.php", "new.php", "a/b/c/deep.php"] {
        let p = root.join(name).to_string_lossy().into_owned();
        assert_eq!(by.get(&p), Some(&1), "{name}: {by:?}");
    }
    assert!(s.files >= 4, "{s:?}");

    // Down: one file created, one changed; restart finds both, nothing else.
    std::fs::write(root.join("while-down.php"), SHELL).unwrap();
    std::fs::write(root.join("new.php"), format!("{SHELL}// changed\n")).unwrap();
    let d = start(&root, &[], &db, &out);
    d.wait_for("the two changed files", |f| f.len() >= 5);
    std::thread::sleep(Duration::from_millis(500));
    d.stop();
    let f = read_findings(&out);
    assert_eq!(f.len(), 5, "{f:#?}");
    let later: Vec<String> = f[3..].iter().map(path_of).collect();
    assert!(
        later.iter().any(|p| p.ends_with("while-down.php")),
        "{later:?}"
    );
    assert!(later.iter().any(|p| p.ends_with("new.php")), "{later:?}");
}

const WHOAMI: &str = "10.0.0.9 - - [10/Oct/2024:13:55:36 +0000] \"GET /up/x.php?cmd=whoami HTTP/1.1\" 200 12 \"-\" \"curl/8\"\n";
const PLAIN: &str = "10.0.0.9 - - [10/Oct/2024:13:55:37 +0000] \"GET /index.html HTTP/1.1\" 200 512 \"-\" \"curl/8\"\n";

fn append(p: &Path, s: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(p)
        .unwrap();
    f.write_all(s.as_bytes()).unwrap();
}

#[test]
fn logs_are_followed_across_rotation_truncation_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("www");
    std::fs::create_dir(&root).unwrap();
    let log = dir.path().join("access.log");
    std::fs::write(&log, PLAIN).unwrap();
    let (db, out) = (dir.path().join("s.db"), dir.path().join("f.jsonl"));
    let d = start(&root, std::slice::from_ref(&log), &db, &out);
    append(&log, WHOAMI);
    d.wait_for("the first request", |f| f.len() == 1);
    // Rotation: the old file gets one more line after the rename, then a new file.
    let rotated = dir.path().join("access.log.1");
    std::fs::rename(&log, &rotated).unwrap();
    append(&rotated, WHOAMI);
    append(&log, PLAIN);
    append(&log, WHOAMI);
    d.wait_for("both sides of the rotation", |f| f.len() == 3);
    // Truncation: the same line numbers again are new lines.
    std::fs::write(&log, "").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    append(&log, PLAIN);
    append(&log, WHOAMI);
    let f = d.wait_for("the line after truncation", |f| f.len() == 4);
    std::thread::sleep(Duration::from_millis(600));
    d.stop();
    assert_eq!(read_findings(&out).len(), 4);
    let lines: Vec<u64> = f
        .iter()
        .map(|x| x["subject"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 3, 2, 2], "{f:#?}");

    // Restart: nothing repeated; a line written while down is found.
    append(&log, WHOAMI);
    let d = start(&root, std::slice::from_ref(&log), &db, &out);
    d.wait_for("the line written while down", |f| f.len() == 5);
    std::thread::sleep(Duration::from_millis(800));
    d.stop();
    let f = read_findings(&out);
    assert_eq!(f.len(), 5);
    assert_eq!(f[4]["subject"]["line"].as_u64(), Some(3));
}

#[test]
fn a_burst_beyond_the_event_queue_loses_nothing() {
    let queue: usize = std::fs::read_to_string("/proc/sys/fs/inotify/max_queued_events")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(16384);
    let n = queue + queue / 4;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("www");
    std::fs::create_dir(&root).unwrap();
    let (db, out) = (dir.path().join("s.db"), dir.path().join("f.jsonl"));
    let d = start(&root, &[], &db, &out);
    let burst = root.join("burst");
    std::fs::create_dir(&burst).unwrap();
    // Every 8th file is a shell; the rest are benign.
    let mut shells = 0;
    for i in 0..n {
        let shell = i % 8 == 0;
        shells += usize::from(shell);
        std::fs::write(
            burst.join(format!("f{i}.php")),
            if shell { SHELL } else { BENIGN },
        )
        .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    while read_findings(&out).len() < shells && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(500));
    let s = d.stop();
    let f = read_findings(&out);
    let by = count_by_path(&f);
    assert_eq!(f.len(), shells, "{s:?}");
    assert_eq!(by.len(), shells);
    assert!(by.values().all(|&c| c == 1));
    eprintln!("burst of {n} files (queue {queue}): {s:?}");
}
