//! Sealed baselines on real SQLite files in temp dirs: write, accept, prune,
//! every kind of tampering, a writer SIGKILLed mid-transaction and a writer
//! hitting a file-size limit (both real child processes: this test binary
//! re-executed with `--exact child_process_entry`).

use ferret_core::{ChangeKind, FileMeta, Item, ItemKind};
use ferret_store::baseline::{
    is_damaged, BaselineError, BaselineInfo, Baselines, NewBaseline, Tamper, KEEP_GENERATIONS,
};
use ferret_store::seal::{Anchor, Key};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ROLE: &str = "FERRET_STORE_TEST_CHILD";
const CHILD_DIR: &str = "FERRET_STORE_TEST_DIR";

fn item(i: usize) -> Item {
    let (kind, key) = match i % 10 {
        0 => (
            ItemKind::Component,
            format!("apache|module|mod_{i}|/etc/apache2/mods-enabled/m{i}.load"),
        ),
        1 => (
            ItemKind::DbObject,
            format!("postgres|db1|app|public|function|f{i}"),
        ),
        _ => (
            ItemKind::File,
            format!("/var/www/site{}/d{}/file{i}.php", i % 7, i % 100),
        ),
    };
    let meta = (kind == ItemKind::File).then(|| FileMeta {
        size: i as u64 * 13,
        mode: 0o100644,
        uid: 33,
        gid: 33,
        mtime_ns: 1_700_000_000_000_000_000 - i as i64 * 7,
        ctime_ns: if i == 2 {
            -5
        } else {
            1_700_000_000_000_000_000
        },
        inode: 1000 + i as u64,
        dev: u64::MAX - 5,
    });
    let mut attrs = BTreeMap::new();
    if kind == ItemKind::Component {
        attrs.insert("verdict".to_string(), "stock".to_string());
        attrs.insert("package".to_string(), "apache2".to_string());
    } else if i.is_multiple_of(3) {
        attrs.insert("owner".to_string(), format!("user{i}"));
    }
    Item {
        kind,
        key,
        sha256: (i % 11 != 5)
            .then(|| format!("{:064x}", (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15))),
        meta,
        attrs,
    }
}

fn items(n: usize) -> Vec<Item> {
    (0..n).map(item).collect()
}

fn sorted(mut v: Vec<Item>) -> Vec<Item> {
    v.sort_by(|a, b| (a.kind.as_str(), &a.key).cmp(&(b.kind.as_str(), &b.key)));
    v
}

/// A store, its key and anchor, all in one temp dir (key in its own subdir).
struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    db: PathBuf,
    key: Key,
    anchor: Anchor,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        Fixture::at(dir, root)
    }

    fn at(dir: tempfile::TempDir, root: PathBuf) -> Fixture {
        let key_path = root.join("keys/baseline.key");
        let key = match Key::load(&key_path) {
            Ok(k) => k,
            Err(_) => Key::create(&key_path).unwrap(),
        };
        Fixture {
            db: root.join("state/ferret.db"),
            anchor: Anchor::beside(&key_path),
            key,
            root,
            _dir: dir,
        }
    }

    fn open(&self) -> Baselines {
        Baselines::open(&self.db).unwrap()
    }

    fn write(&self, b: &mut Baselines, it: Vec<Item>, note: &str) -> BaselineInfo {
        b.write(new(note), it, &self.key, &self.anchor).unwrap()
    }

    fn verify(&self) -> Result<BaselineInfo, Tamper> {
        Baselines::open_existing(&self.db)
            .unwrap()
            .verify(&self.key, &self.anchor)
            .unwrap()
    }

    fn sql(&self, sql: &str) -> usize {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.execute(sql, []).unwrap()
    }
}

fn new(note: &str) -> NewBaseline {
    NewBaseline {
        host: "web01".into(),
        roots: vec!["/var/www".into(), "/etc/apache2".into()],
        note: Some(note.into()),
    }
}

#[test]
fn create_verifies_and_items_round_trip() {
    let f = Fixture::new();
    let mut b = f.open();
    assert_eq!(b.latest().unwrap(), None);
    assert!(matches!(
        b.verify(&f.key, &f.anchor),
        Err(BaselineError::NoBaseline { .. })
    ));
    let info = f.write(&mut b, items(500), "first");
    assert_eq!((info.generation, info.items, info.parent), (1, 500, None));
    assert_eq!(info.key_id, f.key.id());
    assert_eq!(b.items(info.id).unwrap(), sorted(items(500)));
    assert_eq!(b.latest().unwrap().as_ref(), Some(&info));
    drop(b);
    assert_eq!(f.verify(), Ok(info.clone()));
    // Read-only (posture) sees and verifies the same.
    let ro = Baselines::open_read_only(&f.db).unwrap();
    assert_eq!(ro.verify(&f.key, &f.anchor).unwrap(), Ok(info));
}

#[test]
fn absent_stores_are_not_created_by_readers() {
    let f = Fixture::new();
    for r in [
        Baselines::open_existing(&f.db),
        Baselines::open_read_only(&f.db),
    ] {
        let err = r.unwrap_err();
        assert!(matches!(err, BaselineError::NotFound { .. }), "{err}");
        assert!(err.to_string().contains("ferret baseline create"), "{err}");
    }
    assert!(!f.db.exists());
}

#[test]
fn accept_makes_a_new_sealed_generation_with_acceptances() {
    let f = Fixture::new();
    let mut b = f.open();
    let base = f.write(&mut b, items(100), "first");
    let mut changed = item(12);
    changed.sha256 = Some("ab".repeat(32));
    let added = item(5000);
    let changes = vec![
        (
            ChangeKind::Changed,
            changed.kind,
            changed.key.clone(),
            Some(changed.clone()),
        ),
        (
            ChangeKind::Added,
            added.kind,
            added.key.clone(),
            Some(added.clone()),
        ),
        (ChangeKind::Removed, item(13).kind, item(13).key, None),
    ];
    let next = b
        .accept(
            &base,
            changes,
            "alice",
            "deployed release 4.2",
            &f.key,
            &f.anchor,
        )
        .unwrap();
    assert_eq!(next.generation, 2);
    assert_eq!(next.parent, Some(base.id));
    assert_eq!(next.items, 100);
    assert_eq!(next.note.as_deref(), Some("deployed release 4.2"));
    let mut expect: Vec<Item> = items(100)
        .into_iter()
        .filter(|i| i.key != item(13).key)
        .collect();
    expect.retain(|i| i.key != changed.key);
    expect.push(changed.clone());
    expect.push(added.clone());
    assert_eq!(b.items(next.id).unwrap(), sorted(expect));
    let acc = b.acceptances().unwrap();
    assert_eq!(acc.len(), 3);
    assert!(acc
        .iter()
        .all(|a| a.baseline_id == next.id && a.who == "alice" && a.why == "deployed release 4.2"));
    let removed = acc
        .iter()
        .find(|a| a.change == ChangeKind::Removed)
        .unwrap();
    assert_eq!(removed.key, item(13).key);
    assert_eq!(removed.sha256, item(13).sha256);
    let ch = acc
        .iter()
        .find(|a| a.change == ChangeKind::Changed)
        .unwrap();
    assert_eq!(ch.sha256, changed.sha256);
    let hist: Vec<u64> = b.history().unwrap().iter().map(|h| h.generation).collect();
    assert_eq!(hist, [2, 1]);
    drop(b);
    assert_eq!(f.verify(), Ok(next.clone()));

    // A forged acceptance for a baseline not yet written is caught, never
    // listed, and never sealed by the next write.
    f.sql(&format!(
        "INSERT INTO acceptances VALUES ({}, 't', 'mallory', 'trust me', 'file', '/x', 'added', NULL)",
        next.id + 1
    ));
    assert!(matches!(f.verify(), Err(Tamper::Altered { .. })));
    let mut b = f.open();
    assert_eq!(b.acceptances().unwrap().len(), 3);
    let g3 = f.write(&mut b, items(100), "third");
    assert_eq!(g3.id, next.id + 1);
    assert!(b.acceptances().unwrap().iter().all(|a| a.who == "alice"));
    drop(b);
    assert_eq!(f.verify(), Ok(g3.clone()));

    // Editing an accepted change's reason is caught by the next verify.
    f.sql("UPDATE acceptances SET why = 'nothing to see' WHERE change = 'added'");
    assert!(matches!(f.verify(), Err(Tamper::Altered { baseline_id, .. }) if baseline_id == g3.id));
}

#[test]
fn accept_refuses_inconsistent_changes() {
    let f = Fixture::new();
    let mut b = f.open();
    let base = f.write(&mut b, items(20), "first");
    let it = item(3);
    let cases = vec![
        vec![],
        vec![(
            ChangeKind::Removed,
            ItemKind::File,
            "/nope".to_string(),
            None,
        )],
        vec![(ChangeKind::Added, ItemKind::File, "/x".to_string(), None)],
        vec![(
            ChangeKind::Changed,
            ItemKind::Component,
            it.key.clone(),
            Some(it.clone()),
        )],
        vec![
            (
                ChangeKind::Changed,
                it.kind,
                it.key.clone(),
                Some(it.clone()),
            ),
            (
                ChangeKind::Changed,
                it.kind,
                it.key.clone(),
                Some(it.clone()),
            ),
        ],
    ];
    for changes in cases {
        let err = b
            .accept(&base, changes, "bob", "why", &f.key, &f.anchor)
            .unwrap_err();
        assert!(matches!(err, BaselineError::Invalid { .. }), "{err}");
    }
    let mut dup = items(5);
    dup.push(item(2));
    let err = b.write(new("dup"), dup, &f.key, &f.anchor).unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
    assert_eq!(
        b.latest().unwrap().unwrap().generation,
        1,
        "nothing written"
    );
}

#[test]
fn prune_keeps_the_last_generations_and_the_acceptance_log() {
    let f = Fixture::new();
    let mut b = f.open();
    let first = f.write(&mut b, items(30), "g1");
    let g2 = b
        .accept(
            &first,
            vec![(ChangeKind::Removed, item(4).kind, item(4).key, None)],
            "carol",
            "gone",
            &f.key,
            &f.anchor,
        )
        .unwrap();
    let mut last = g2.clone();
    for g in 3..=(KEEP_GENERATIONS + 3) {
        last = f.write(&mut b, items(30 + g as usize), &format!("g{g}"));
    }
    let hist: Vec<u64> = b.history().unwrap().iter().map(|h| h.generation).collect();
    let expect: Vec<u64> = (4..=KEEP_GENERATIONS + 3).rev().collect();
    assert_eq!(hist, expect);
    assert!(b.items(first.id).unwrap().is_empty());
    assert!(b.items(g2.id).unwrap().is_empty());
    assert_eq!(b.items(last.id).unwrap().len() as u64, last.items);
    assert_eq!(
        b.acceptances().unwrap().len(),
        1,
        "acceptances outlive pruning"
    );
    let orphans: i64 = rusqlite::Connection::open(&f.db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM items WHERE baseline_id NOT IN (SELECT id FROM baselines)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    drop(b);
    assert_eq!(f.verify(), Ok(last));
    // The pruned-generation acceptance is still sealed by the latest.
    f.sql("UPDATE acceptances SET who = 'mallory'");
    assert!(matches!(f.verify(), Err(Tamper::Altered { .. })));
}

#[test]
fn altered_items_and_headers_are_detected() {
    let f = Fixture::new();
    let mut b = f.open();
    let info = f.write(&mut b, items(200), "first");
    drop(b);
    let key = item(22).key;
    // A web shell's hash swapped in.
    assert_eq!(
        f.sql(&format!(
            "UPDATE items SET sha256 = '{}' WHERE key = '{key}'",
            "0".repeat(64)
        )),
        1
    );
    match f.verify() {
        Err(t @ Tamper::Altered { .. }) => {
            assert!(matches!(t, Tamper::Altered { baseline_id, .. } if baseline_id == info.id));
            assert!(t.to_string().contains("ALTERED"), "{t}");
        }
        other => panic!("{other:?}"),
    }
    let g = Fixture::new();
    let mut b = g.open();
    g.write(&mut b, items(50), "first");
    drop(b);
    g.sql("UPDATE baselines SET host = 'elsewhere'");
    assert!(matches!(g.verify(), Err(Tamper::Altered { .. })));
    // Rows that no longer decode are altered too.
    for edit in [
        format!(
            "UPDATE items SET mode = 'rwx' WHERE key = '{}'",
            item(2).key
        ),
        "UPDATE items SET attrs = 'not json' WHERE kind = 'component'".to_string(),
        format!("UPDATE items SET size = NULL WHERE key = '{}'", item(2).key),
        "UPDATE items SET kind = 'rootkit' WHERE kind = 'component'".to_string(),
    ] {
        let h = Fixture::new();
        let mut b = h.open();
        h.write(&mut b, items(50), "first");
        drop(b);
        assert!(h.sql(&edit) > 0, "{edit}");
        assert!(matches!(h.verify(), Err(Tamper::Altered { .. })), "{edit}");
    }
}

#[test]
fn deleted_rows_are_damaged_or_altered() {
    let f = Fixture::new();
    let mut b = f.open();
    f.write(&mut b, items(200), "first");
    drop(b);
    assert_eq!(
        f.sql(&format!("DELETE FROM items WHERE key = '{}'", item(7).key)),
        1
    );
    assert!(matches!(f.verify(), Err(Tamper::Damaged { .. })));
    // Hiding it by also fixing the count: the seal still fails.
    f.sql("UPDATE baselines SET item_count = item_count - 1");
    assert!(matches!(f.verify(), Err(Tamper::Altered { .. })));
}

#[test]
fn truncated_store_is_never_trusted() {
    let f = Fixture::new();
    let mut b = f.open();
    f.write(&mut b, items(3000), "first");
    drop(b);
    assert!(
        !Path::new(&format!("{}-wal", f.db.display())).exists(),
        "checkpointed on close"
    );
    let len = std::fs::metadata(&f.db).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&f.db)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    match Baselines::open_existing(&f.db) {
        Err(e) => {
            assert!(is_damaged(&e), "{e}");
            eprintln!("truncated store refused at open: {e}");
        }
        Ok(b) => match b.verify(&f.key, &f.anchor) {
            Ok(Ok(info)) => panic!("truncated store verified: {info:?}"),
            Ok(Err(t)) => assert!(matches!(t, Tamper::Damaged { .. }), "{t}"),
            Err(e) => eprintln!("truncated store refused at verify: {e}"),
        },
    }
}

#[test]
fn older_copy_put_back_is_rolled_back() {
    let f = Fixture::new();
    let mut b = f.open();
    f.write(&mut b, items(100), "first");
    drop(b);
    let old = f.root.join("old.db");
    std::fs::copy(&f.db, &old).unwrap();
    let mut b = f.open();
    let g2 = f.write(&mut b, items(101), "second");
    drop(b);
    assert_eq!(f.verify(), Ok(g2));
    std::fs::copy(&old, &f.db).unwrap();
    match f.verify() {
        Err(t @ Tamper::RolledBack { .. }) => {
            assert_eq!(
                t,
                Tamper::RolledBack {
                    store_generation: 1,
                    anchor_generation: 2
                }
            );
            assert!(t.to_string().contains("ROLLED BACK"), "{t}");
        }
        other => panic!("{other:?}"),
    }
    // Writing on top of the old copy never reuses a generation the anchor saw.
    let mut b = f.open();
    let g = f.write(&mut b, items(5), "after rollback");
    assert_eq!(g.generation, 3);
    drop(b);
    assert_eq!(f.verify(), Ok(g));
    // Deleting every baseline is a rollback to nothing.
    f.sql("DELETE FROM items");
    f.sql("DELETE FROM baselines");
    assert_eq!(
        f.verify(),
        Err(Tamper::RolledBack {
            store_generation: 0,
            anchor_generation: 3
        })
    );
}

#[test]
fn another_key_is_wrong_key() {
    let f = Fixture::new();
    let mut b = f.open();
    f.write(&mut b, items(10), "first");
    drop(b);
    let other = Key::create(&f.root.join("other/k")).unwrap();
    let b = Baselines::open_existing(&f.db).unwrap();
    let t = b
        .verify(&other, &Anchor::beside(&f.root.join("other/k")))
        .unwrap()
        .unwrap_err();
    assert_eq!(
        t,
        Tamper::WrongKey {
            sealed_with: f.key.id(),
            key: other.id()
        }
    );
}

#[test]
fn tampered_or_missing_anchor_is_anchor_invalid() {
    let f = Fixture::new();
    let mut b = f.open();
    f.write(&mut b, items(10), "first");
    f.write(&mut b, items(11), "second");
    drop(b);
    let good = std::fs::read_to_string(f.anchor.path()).unwrap();
    std::fs::write(
        f.anchor.path(),
        good.replace("\"generation\": 2", "\"generation\": 1"),
    )
    .unwrap();
    match f.verify() {
        Err(t @ Tamper::AnchorInvalid { .. }) => assert!(t.to_string().contains("ANCHOR"), "{t}"),
        other => panic!("{other:?}"),
    }
    std::fs::remove_file(f.anchor.path()).unwrap();
    assert!(matches!(f.verify(), Err(Tamper::AnchorInvalid { .. })));
    // A write refuses to replace an invalid anchor.
    std::fs::write(f.anchor.path(), "garbage").unwrap();
    let mut b = f.open();
    let err = b.write(new("x"), items(3), &f.key, &f.anchor).unwrap_err();
    assert!(err.to_string().contains("anchor"), "{err}");
}

#[test]
fn killed_between_commit_and_anchor_write_is_trusted_and_advances() {
    let f = Fixture::new();
    let mut b = f.open();
    f.write(&mut b, items(10), "first");
    let anchor_g1 = std::fs::read(f.anchor.path()).unwrap();
    let g2 = f.write(&mut b, items(12), "second");
    drop(b);
    std::fs::write(f.anchor.path(), &anchor_g1).unwrap();
    assert_eq!(f.verify(), Ok(g2.clone()));
    let store_id = Baselines::open_existing(&f.db)
        .unwrap()
        .store_id()
        .unwrap()
        .to_string();
    assert_eq!(
        f.anchor
            .entry(&f.key, &store_id)
            .unwrap()
            .unwrap()
            .generation,
        2
    );
}

#[test]
fn two_stores_share_one_key_and_anchor() {
    let f = Fixture::new();
    let mut a = f.open();
    let mut b = Baselines::open(&f.root.join("other/ferret.db")).unwrap();
    assert_ne!(a.store_id(), b.store_id());
    f.write(&mut a, items(10), "a");
    f.write(&mut a, items(11), "a2");
    let ib = f.write(&mut b, items(12), "b");
    assert_eq!(ib.generation, 1);
    assert_eq!(b.verify(&f.key, &f.anchor).unwrap(), Ok(ib));
    assert_eq!(a.verify(&f.key, &f.anchor).unwrap().unwrap().generation, 2);
}

#[test]
fn bulk_200k_items_write_read_verify() {
    let f = Fixture::new();
    let mut b = f.open();
    let n = 200_000;
    let it = items(n);
    let t = Instant::now();
    let info = f.write(&mut b, it.clone(), "bulk");
    let w = t.elapsed();
    let t = Instant::now();
    let back = b.items(info.id).unwrap();
    let r = t.elapsed();
    let t = Instant::now();
    assert_eq!(b.verify(&f.key, &f.anchor).unwrap(), Ok(info));
    let v = t.elapsed();
    eprintln!(
        "200k items: write {:.2}s ({:.0} items/s), items() {:.2}s ({:.0} items/s), verify {:.2}s",
        w.as_secs_f64(),
        n as f64 / w.as_secs_f64(),
        r.as_secs_f64(),
        n as f64 / r.as_secs_f64(),
        v.as_secs_f64()
    );
    assert_eq!(back.len(), n);
    assert_eq!(back, sorted(it));
}

fn spawn_child(role: &str, dir: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ROLE, role)
        .env(CHILD_DIR, dir)
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

/// Runs only as a child of the two tests below (a no-op otherwise).
#[test]
fn child_process_entry() {
    let (Some(role), Some(dir)) = (std::env::var_os(CHILD_ROLE), std::env::var_os(CHILD_DIR))
    else {
        return;
    };
    let f = Fixture::at(tempfile::tempdir().unwrap(), PathBuf::from(dir));
    let mut b = f.open();
    match role.to_str().unwrap() {
        "kill" => {
            // About 20 MB of pages: the parent kills it once 2 MB reached the WAL.
            f.write(&mut b, items(100_000), "must never commit");
            eprintln!("child: the write finished before the kill");
        }
        "full" => {
            // SAFETY: plain libc calls on this process with valid arguments.
            unsafe {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let lim = libc::rlimit {
                    rlim_cur: 1 << 20,
                    rlim_max: 1 << 20,
                };
                assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
            }
            // About 4 MB of pages against a 1 MB file-size limit.
            let err = b
                .write(new("too big"), items(20_000), &f.key, &f.anchor)
                .unwrap_err();
            eprintln!("child: write failed as expected: {err}");
            drop(b);
            assert_eq!(f.verify().unwrap().generation, 1);
        }
        other => panic!("unknown role {other}"),
    }
}

fn first_generation(dir: &Path) -> (Fixture, BaselineInfo) {
    let f = Fixture::at(tempfile::tempdir().unwrap(), dir.to_path_buf());
    let mut b = f.open();
    let g1 = f.write(&mut b, items(1000), "first");
    drop(b);
    (f, g1)
}

#[test]
fn writer_killed_mid_transaction_leaves_the_previous_baseline() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let (f, g1) = first_generation(dir.path());
    let wal = PathBuf::from(format!("{}-wal", f.db.display()));
    let mut child = spawn_child("kill", dir.path());
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("writer exited before it could be killed: {status}");
        }
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if size > 2 << 20 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(600), "WAL never grew");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL), "{status}");
    assert_eq!(f.verify(), Ok(g1.clone()));
    let b = Baselines::open_existing(&f.db).unwrap();
    assert_eq!(b.history().unwrap(), vec![g1.clone()]);
    assert_eq!(b.items(g1.id).unwrap(), sorted(items(1000)));
    drop(b);
    let mut b = f.open();
    let g2 = f.write(&mut b, items(10), "after the kill");
    assert_eq!(g2.generation, 2);
}

#[test]
fn writer_out_of_space_fails_and_leaves_the_previous_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let (f, g1) = first_generation(dir.path());
    let out = spawn_child("full", dir.path()).wait_with_output().unwrap();
    assert!(out.status.success(), "child failed: {}", out.status);
    assert_eq!(f.verify(), Ok(g1));
}
