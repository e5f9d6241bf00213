//! `ferret baseline` on real trees and a real SQLite store: create, change one
//! thing of each kind, diff, accept, diff again (fast path and --rehash),
//! tamper with the store.

use crate::util::{ferret, write};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A temp system root plus a separate directory for the store and key.
struct Case {
    root: tempfile::TempDir,
    state: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        write(
            r,
            "etc/apache2/apache2.conf",
            b"LoadModule a_module /usr/lib/apache2/modules/mod_a.so\n\
              LoadModule b_module /usr/lib/apache2/modules/mod_b.so\n\
              DocumentRoot /var/www/html\n",
        );
        write(r, "usr/lib/apache2/modules/mod_a.so", b"\x7fELF module a");
        write(r, "usr/lib/apache2/modules/mod_b.so", b"\x7fELF module b");
        write(
            r,
            "usr/lib/apache2/modules/mod_c.so",
            b"\x7fELF module c v1",
        );
        write(r, "var/www/html/index.html", b"<html>hello</html>");
        write(r, "var/www/html/app.php", b"<?php echo 'app'; ?>");
        write(r, "var/www/html/old.txt", b"old notes");
        write(
            r,
            "var/www/html/uploads/photo.jpg",
            b"\xff\xd8\xff\xe0 jpeg",
        );
        dpkg(r, b"\x7fELF module c v1");
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let name = std::ffi::OsStr::from_bytes(b"caf\xe9.html");
            std::fs::write(r.join("var/www/html").join(name), b"cafe").unwrap();
        }
        Case {
            root,
            state: tempfile::tempdir().unwrap(),
        }
    }

    fn r(&self) -> &Path {
        self.root.path()
    }

    fn db(&self) -> PathBuf {
        self.state.path().join("store/ferret.db")
    }

    fn key(&self) -> PathBuf {
        self.state.path().join("keys/baseline.key")
    }

    fn store_args(&self) -> Vec<String> {
        vec![
            "--root".into(),
            self.r().display().to_string(),
            "--db".into(),
            self.db().display().to_string(),
            "--key".into(),
            self.key().display().to_string(),
        ]
    }

    /// Runs `ferret baseline SUB ...store args... EXTRA`: (stdout, stderr, code).
    fn run(&self, sub: &str, extra: &[&str]) -> (String, String, i32) {
        let out = ferret()
            .arg("baseline")
            .arg(sub)
            .args(self.store_args())
            .args(extra)
            .output()
            .unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap(),
        )
    }

    /// `diff --format jsonl --min-severity info`: (findings, stderr, code).
    fn diff(&self, extra: &[&str]) -> (Vec<serde_json::Value>, String, i32) {
        let mut args = vec!["--format", "jsonl", "--min-severity", "info"];
        args.extend_from_slice(extra);
        let (out, err, code) = self.run("diff", &args);
        let findings = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (findings, err, code)
    }
}

/// A dpkg database under `root` that owns mod_c.so with `content`'s MD5.
fn dpkg(root: &Path, content: &[u8]) {
    write(
        root,
        "var/lib/dpkg/info/apache2-bin.list",
        b"/usr/lib/apache2/modules/mod_c.so\n",
    );
    write(
        root,
        "var/lib/dpkg/info/apache2-bin.md5sums",
        format!("{}  usr/lib/apache2/modules/mod_c.so\n", md5_hex(content)).as_bytes(),
    );
}

/// MD5 (RFC 1321), small and only for building the test's dpkg database.
fn md5_hex(data: &[u8]) -> String {
    let s: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4294967296.0) as u32)
        .collect();
    let (mut a0, mut b0, mut c0, mut d0) =
        (0x67452301u32, 0xefcdab89u32, 0x98badcfeu32, 0x10325476u32);
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_le_bytes());
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(s[i]));
        }
        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    [a0, b0, c0, d0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn md5_helper_is_md5() {
    assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(
        md5_hex(b"The quick brown fox jumps over the lazy dog"),
        "9e107d9d372bb6826bd81d3542a419d6"
    );
}

/// (rule, subject kind, path ending, severity) of each finding, sorted.
fn summary(findings: &[serde_json::Value], root: &Path) -> Vec<(String, String, String, String)> {
    let prefix = root.display().to_string();
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            let s = &f["subject"];
            let what = match s["kind"].as_str().unwrap() {
                "component" => s["name"].as_str().unwrap().to_string(),
                _ => s["path"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches(&prefix)
                    .to_string(),
            };
            (
                f["rule"].as_str().unwrap().to_string(),
                s["kind"].as_str().unwrap().to_string(),
                what,
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn hashed_reused(stderr: &str) -> (u64, u64) {
    let at = stderr.find(" hashed, ").expect(stderr);
    let before = &stderr[..at];
    let hashed: u64 = before.rsplit(['(', ' ']).next().unwrap().parse().unwrap();
    let after = &stderr[at + " hashed, ".len()..];
    let reused: u64 = after.split(' ').next().unwrap().parse().unwrap();
    (hashed, reused)
}

fn t(rule: &str, kind: &str, what: &str, sev: &str) -> (String, String, String, String) {
    (rule.into(), kind.into(), what.into(), sev.into())
}

#[test]
fn create_change_diff_accept_tamper() {
    let c = Case::new();
    let (_, err, code) = c.run("create", &["--note", "first"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("made a new key"), "{err}");

    // Nothing changed: clean, nothing to report even at info.
    let (f, err, code) = c.diff(&[]);
    assert_eq!((f.len(), code), (0, 0), "{f:?} {err}");

    // One change of each kind.
    let r = c.r();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"x\xe9.php");
        std::fs::write(
            r.join("var/www/html/uploads").join(name),
            b"<?php echo 'thanks for your upload'; ?>",
        )
        .unwrap();
    }
    write(
        r,
        "usr/lib/apache2/modules/mod_b.so",
        b"\x7fELF module b, patched by someone",
    );
    write(
        r,
        "usr/lib/apache2/modules/mod_c.so",
        b"\x7fELF module c v2 (upgrade)",
    );
    dpkg(r, b"\x7fELF module c v2 (upgrade)");
    std::fs::remove_file(r.join("var/www/html/old.txt")).unwrap();
    write(r, "var/www/html/app.php", crate::util::SHELL);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let p = r.join("var/www/html/index.html");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode | 0o002)).unwrap();
    }
    write(
        r,
        "etc/apache2/apache2.conf",
        b"LoadModule a_module /usr/lib/apache2/modules/mod_c.so\n\
          LoadModule b_module /usr/lib/apache2/modules/mod_b.so\n\
          DocumentRoot /var/www/html\n",
    );

    let (f, err, code) = c.diff(&[]);
    assert_eq!(code, 1, "{err}");
    // The changed script went through the web-shell scanner too: its
    // evidence joins the baseline's and can only raise the severity.
    let (shell, f): (Vec<_>, Vec<_>) = f.into_iter().partition(|x| {
        x["subject"]["path"]
            .as_str()
            .unwrap()
            .ends_with("html/app.php")
    });
    assert_eq!(shell.len(), 1, "{err}");
    let sources: Vec<&str> = shell[0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources[0], "baseline");
    assert!(sources.iter().any(|s| *s != "baseline"), "{:?}", shell[0]);
    assert!(["medium", "high", "critical"].contains(&shell[0]["severity"].as_str().unwrap()));
    assert_eq!(shell[0]["rule"], "ferret.baseline.changed");
    let got = summary(&f, r);
    let mut want = vec![
        t("ferret.baseline.changed", "component", "a_module", "high"),
        t("ferret.baseline.changed", "component", "b_module", "high"),
        t(
            "ferret.baseline.changed",
            "file",
            "/etc/apache2/apache2.conf",
            "low",
        ),
        t(
            "ferret.baseline.changed",
            "file",
            "/usr/lib/apache2/modules/mod_b.so",
            "high",
        ),
        t(
            "ferret.baseline.changed",
            "file",
            "/usr/lib/apache2/modules/mod_c.so",
            "info",
        ),
        t(
            "ferret.baseline.changed",
            "file",
            "/var/www/html/index.html",
            "medium",
        ),
        t(
            "ferret.baseline.removed",
            "file",
            "/var/www/html/old.txt",
            "low",
        ),
    ];
    #[cfg(unix)]
    want.push(t(
        "ferret.baseline.added",
        "file",
        "/var/www/html/uploads/x\\xe9.php",
        "high",
    ));
    want.sort();
    assert_eq!(got, want, "{err}");
    let by_path: BTreeMap<String, &serde_json::Value> = f
        .iter()
        .map(|x| (x["subject"]["path"].as_str().unwrap().to_string(), x))
        .collect();
    let upload = by_path
        .iter()
        .find(|(k, _)| k.contains("uploads/x"))
        .map(|(_, v)| *v);
    if let Some(u) = upload {
        assert_eq!(u["technique"], "T1505.003");
        assert_eq!(u["subject"]["language"], "php");
        assert_eq!(u["evidence"][0]["source"], "baseline");
    }
    let mod_c = f
        .iter()
        .find(|x| {
            x["subject"]["kind"] == "file"
                && x["subject"]["path"].as_str().unwrap().ends_with("mod_c.so")
        })
        .unwrap();
    assert!(mod_c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["rule"] == "baseline.package_verified"));
    let index = f
        .iter()
        .find(|x| {
            x["subject"]["path"]
                .as_str()
                .unwrap()
                .ends_with("index.html")
        })
        .unwrap();
    assert_eq!(index["evidence"][0]["rule"], "baseline.mode_escalation");

    // Accept everything, with who and why: the next diff is clean.
    let (_, err, code) = c.run(
        "accept",
        &["--all", "--why", "reviewed in test", "--who", "tester"],
    );
    assert_eq!(code, 0, "{err}");
    let (f, err, code) = c.diff(&[]);
    assert_eq!((f.len(), code), (0, 0), "{f:?} {err}");
    // The unchanged tree is not read again; --rehash reads every file.
    let (hashed, reused) = hashed_reused(&err);
    assert_eq!(hashed, 0, "{err}");
    assert!(reused >= 8, "{err}");
    let (f, err, code) = c.diff(&["--rehash"]);
    assert_eq!((f.len(), code), (0, 0), "{f:?} {err}");
    assert_eq!(hashed_reused(&err), (reused, 0), "{err}");

    let out = ferret()
        .args(["baseline", "show", "--format", "jsonl", "--db"])
        .arg(c.db())
        .arg("--key")
        .arg(c.key())
        .output()
        .unwrap();
    let (out, err, code) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"who\":\"tester\""), "{out}");
    assert!(out.contains("reviewed in test"), "{out}");

    // Tamper: rewrite a recorded hash behind Ferret's back.
    let conn = rusqlite::Connection::open(c.db()).unwrap();
    let n = conn
        .execute(
            "UPDATE items SET sha256 = 'deadbeef' WHERE key LIKE '%app.php'",
            [],
        )
        .unwrap();
    assert!(n >= 1);
    drop(conn);
    let (out, err, code) = c.run("diff", &["--format", "jsonl"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("BASELINE STORE CANNOT BE TRUSTED"), "{err}");
}

#[test]
fn rollback_and_truncation_are_loud() {
    let c = Case::new();
    assert_eq!(c.run("create", &[]).2, 0);
    let with = |ext: &str| {
        let mut p = c.db().into_os_string();
        p.push(ext);
        PathBuf::from(p)
    };
    // The store's files as they are after the first generation.
    let saved: Vec<(PathBuf, Option<Vec<u8>>)> = ["", "-wal", "-shm"]
        .iter()
        .map(|e| (with(e), std::fs::read(with(e)).ok()))
        .collect();
    write(c.r(), "var/www/html/new.php", b"<?php echo 2; ?>");
    let (_, err, code) = c.run("accept", &["--all", "--why", "release"]);
    assert_eq!(code, 0, "{err}");
    // Put the older (validly sealed) copy back.
    for (p, bytes) in &saved {
        match bytes {
            Some(b) => std::fs::write(p, b).unwrap(),
            None => {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    let (_, err, code) = c.run("diff", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("BASELINE STORE CANNOT BE TRUSTED"), "{err}");
    assert!(err.contains("ROLLED BACK"), "{err}");

    // Rows deleted behind Ferret's back.
    let c = Case::new();
    assert_eq!(c.run("create", &[]).2, 0);
    let conn = rusqlite::Connection::open(c.db()).unwrap();
    conn.execute("DELETE FROM items WHERE key LIKE '%index.html'", [])
        .unwrap();
    drop(conn);
    let (_, err, code) = c.run("diff", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("BASELINE STORE CANNOT BE TRUSTED"), "{err}");
}

#[test]
fn refuses_store_inside_tree_and_diff_without_store() {
    let c = Case::new();
    let inside = c.r().join("var/www/html/ferret.db");
    let out = ferret()
        .args(["baseline", "create", "--root"])
        .arg(c.r())
        .arg("--db")
        .arg(&inside)
        .arg("--key")
        .arg(c.key())
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("inside the recorded tree"), "{err}");
    assert!(!inside.exists());

    let (_, err, code) = c.run("diff", &[]);
    assert_ne!(code, 0);
    assert!(err.contains("ferret baseline create"), "{err}");
}

/// Database objects in a baseline, against the real PostgreSQL on loopback
/// (FERRET_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432): a
/// function added and a function whose body changed are reported; accepting
/// them makes them quiet. Other tests may create roles on the same server
/// meanwhile, so only this test's database objects are asserted.
#[test]
fn database_objects_added_and_changed() {
    let url = std::env::var("FERRET_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = match postgres::Client::connect(&format!("{url}/postgres"), postgres::NoTls) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("skipped: PostgreSQL not reachable at {url} ({e})");
            return;
        }
    };
    let db = format!("ferret_bl_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        admin.batch_execute(&sql).unwrap();
    }
    let mut c = postgres::Client::connect(&format!("{url}/{db}"), postgres::NoTls).unwrap();
    c.batch_execute(
        "CREATE FUNCTION public.ferret_bl_probe() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    )
    .unwrap();
    let case = Case::new();
    let db_url = format!("{url}/{db}");
    let (_, err, code) = case.run("create", &["--no-components", "--db-url", &db_url]);
    assert_eq!(code, 0, "{err}");
    c.batch_execute(
        "CREATE OR REPLACE FUNCTION public.ferret_bl_probe() RETURNS int LANGUAGE sql AS 'SELECT 2';
         CREATE FUNCTION public.ferret_bl_added() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 3; END';",
    )
    .unwrap();
    let ours = |f: &[serde_json::Value]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = f
            .iter()
            .filter(|x| {
                x["subject"]["kind"] == "db_object" && x["subject"]["database"] == db.as_str()
            })
            .map(|x| {
                (
                    x["rule"].as_str().unwrap().to_string(),
                    x["subject"]["name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (f, err, code) = case.diff(&["--no-components", "--db-url", &db_url]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        ours(&f),
        [
            (
                "ferret.baseline.added".to_string(),
                "ferret_bl_added".to_string()
            ),
            (
                "ferret.baseline.changed".to_string(),
                "ferret_bl_probe".to_string()
            ),
        ],
        "{f:#?}"
    );
    let (_, err, code) = case.run(
        "accept",
        &[
            "--all",
            "--why",
            "deployed v2",
            "--who",
            "tester",
            "--no-components",
            "--db-url",
            &db_url,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (f, err, _) = case.diff(&["--no-components", "--db-url", &db_url]);
    assert!(ours(&f).is_empty(), "{err} {f:#?}");
    drop(c);
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .unwrap();
}
