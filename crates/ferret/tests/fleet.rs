//! The fleet pipeline end to end, as processes, against the real NATS
//! JetStream (FERRET_TEST_NATS_URL, default nats://127.0.0.1:4222) and
//! PostgreSQL (FERRET_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432):
//! 100,000 findings from 8 simulated hosts published by `ferret fleet publish`
//! and stored by `ferret fleet ingest`, with the consumer and one publisher
//! SIGKILLed mid-stream and restarted. PostgreSQL must end with exactly the
//! published set: no loss, no duplicate.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HOSTS: usize = 8;
const PER_HOST: usize = 12_500;

fn nats_url() -> String {
    std::env::var("FERRET_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

fn pg_url() -> String {
    std::env::var("FERRET_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// The NATS server answers on its port.
fn nats_up(url: &str) -> Result<(), String> {
    let addr = url.trim_start_matches("nats://");
    let addr = if addr.contains(':') {
        addr.to_string()
    } else {
        format!("{addr}:4222")
    };
    let sock: std::net::SocketAddr = std::net::ToSocketAddrs::to_socket_addrs(&addr)
        .map_err(|e| e.to_string())?
        .next()
        .ok_or("no address")?;
    std::net::TcpStream::connect_timeout(&sock, Duration::from_secs(2))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A fresh database on the test server; None (with the reason printed) when
/// a server is not reachable.
fn setup(tag: &str) -> Option<(String, String, postgres::Client)> {
    let nats = nats_url();
    if let Err(e) = nats_up(&nats) {
        eprintln!("skipped: NATS not reachable at {nats} ({e}); set FERRET_TEST_NATS_URL");
        return None;
    }
    let url = pg_url();
    let mut admin = match postgres::Client::connect(&format!("{url}/postgres"), postgres::NoTls) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("skipped: PostgreSQL not reachable at {url} ({e}); set FERRET_TEST_PG_URL");
            return None;
        }
    };
    let db = format!("ferret_fleet_{tag}_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        admin.batch_execute(&sql).unwrap();
    }
    Some((nats, format!("{url}/{db}"), admin))
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("ferret")
}

/// One finding as JSON: host `h`, number `i`; every 1,000th shares its hash
/// across hosts (a campaign).
fn finding_line(h: usize, i: usize) -> String {
    let sha = if i.is_multiple_of(1000) {
        format!("{:064x}", i)
    } else {
        format!("{:056x}{:08x}", h * 1_000_000 + i, h)
    };
    serde_json::json!({
        "id": format!("{:016x}", i),
        "time": "2026-11-23T10:00:00Z",
        "host": format!("web{h:02}.example.test"),
        "technique": "T1505.003",
        "technique_name": "Web Shell",
        "title": format!("PHP web shell {i}"),
        "severity": "high",
        "confidence": 0.9,
        "score": 80,
        "rule": "ferret.webshell",
        "subject": {"kind": "file", "path": format!("/var/www/html/up/s{i}.php"), "sha256": sha,
                    "size": 42, "language": "php", "identified_by": "extension",
                    "mtime": "2026-11-20T03:14:15Z"},
        "evidence": [{"source": "heuristic", "rule": "heur.php.request_to_sink",
                      "detail": "request data reaches eval() directly", "score": 60}],
        "mitigations": ["M1047"],
        "incident": ""
    })
    .to_string()
}

fn ingester(nats: &str, db: &str, names: &Names) -> Child {
    Command::new(bin())
        .args(["fleet", "ingest", "--nats", nats, "--db-url", db])
        .args(["--stream", &names.stream, "--subject-prefix", &names.prefix])
        .args([
            "--durable",
            &names.durable,
            "--batch",
            "500",
            "--ack-wait",
            "3s",
        ])
        .args(["--exit-when-idle", "8s", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn publisher(nats: &str, names: &Names, spool: &Path, input: &str) -> Child {
    Command::new(bin())
        .args(["fleet", "publish", "--sink", nats])
        .args(["--stream", &names.stream, "--subject-prefix", &names.prefix])
        .arg("--spool")
        .arg(spool)
        .args(["-q", input])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

struct Names {
    stream: String,
    prefix: String,
    durable: String,
}

impl Names {
    /// A stream, subject prefix and durable of this test run alone (a
    /// stream left by an earlier run is never reused).
    fn unique(tag: &str) -> Names {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let tag = format!("{tag}{}_{nanos:x}", std::process::id());
        Names {
            stream: format!("FERRET_TEST_{tag}"),
            prefix: format!("ferret.test{tag}"),
            durable: format!("ingest_{tag}"),
        }
    }
}

/// A loopback port nothing listens on (bound, then freed).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn count(c: &mut postgres::Client) -> i64 {
    c.query_one("SELECT count(*) FROM findings", &[])
        .map(|r| r.get(0))
        .unwrap_or(0)
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn finish(mut c: Child, what: &str) {
    let status = c.wait().unwrap();
    let mut err = String::new();
    if let Some(mut e) = c.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut err).unwrap();
    }
    assert!(status.success(), "{what} exited with {status}: {err}");
}

#[test]
fn hundred_thousand_findings_survive_killed_consumer_and_publisher() {
    let Some((nats, db, _admin)) = setup("e2e") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let names = Names::unique("e");
    // Every host's findings, as the lines a collector saved.
    let lines: Vec<Vec<String>> = (0..HOSTS)
        .map(|h| (0..PER_HOST).map(|i| finding_line(h, i)).collect())
        .collect();
    let files: Vec<PathBuf> = (0..HOSTS)
        .map(|h| {
            let p = tmp.path().join(format!("host{h}.jsonl"));
            std::fs::write(&p, lines[h].join("\n") + "\n").unwrap();
            p
        })
        .collect();

    let mut consumer = ingester(&nats, &db, &names);
    let mut pg = None;
    wait_for("the ingester's schema", Duration::from_secs(60), || {
        if pg.is_none() {
            pg = postgres::Client::connect(&db, postgres::NoTls).ok();
        }
        pg.as_mut()
            .map(|c| {
                c.query_one("SELECT 1 FROM findings LIMIT 1", &[]).is_ok() || {
                    c.query_one("SELECT to_regclass('findings') IS NOT NULL", &[])
                        .map(|r| r.get::<_, bool>(0))
                        .unwrap_or(false)
                }
            })
            .unwrap_or(false)
    });
    let mut pg = pg.unwrap();

    // Publishers read standard input, so the test decides how far each gets.
    let mut pubs: Vec<Child> = (0..HOSTS)
        .map(|h| publisher(&nats, &names, &tmp.path().join(format!("spool{h}")), "-"))
        .collect();
    let half = PER_HOST / 2;
    for (h, p) in pubs.iter_mut().enumerate() {
        let stdin = p.stdin.as_mut().unwrap();
        stdin
            .write_all((lines[h][..half].join("\n") + "\n").as_bytes())
            .unwrap();
        stdin.flush().unwrap();
    }
    // Mid-stream: the consumer has committed part of the first halves.
    wait_for(
        "a quarter of the findings",
        Duration::from_secs(120),
        || count(&mut pg) >= (HOSTS * PER_HOST / 4) as i64,
    );
    consumer.kill().unwrap();
    consumer.wait().unwrap();
    // Publisher 0 dies with its input half read (its stdin is still open).
    pubs[0].kill().unwrap();
    pubs[0].wait().unwrap();
    let killed_at = count(&mut pg);
    assert!(
        killed_at < (HOSTS * PER_HOST) as i64,
        "the consumer was killed after everything arrived ({killed_at})"
    );

    // The others go on; the consumer and publisher 0 restart (publisher 0
    // sends its whole file again: republishing is safe).
    let mut rest: Vec<Child> = Vec::new();
    for (h, mut p) in pubs.into_iter().enumerate().skip(1) {
        let mut stdin = p.stdin.take().unwrap();
        stdin
            .write_all((lines[h][half..].join("\n") + "\n").as_bytes())
            .unwrap();
        drop(stdin);
        rest.push(p);
    }
    let consumer = ingester(&nats, &db, &names);
    let again = publisher(
        &nats,
        &names,
        &tmp.path().join("spool0"),
        files[0].to_str().unwrap(),
    );
    for p in rest {
        finish(p, "a publisher");
    }
    finish(again, "the restarted publisher");
    finish(consumer, "the restarted ingester");

    // Exactly the published set.
    let expected: BTreeSet<(String, String)> = (0..HOSTS)
        .flat_map(|h| {
            (0..PER_HOST).map(move |i| (format!("web{h:02}.example.test"), format!("{i:016x}")))
        })
        .collect();
    let got: Vec<(String, String)> = pg
        .query("SELECT host, id FROM findings", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(got.len(), expected.len(), "rows in PostgreSQL");
    let got: BTreeSet<(String, String)> = got.into_iter().collect();
    assert_eq!(got.len(), expected.len(), "duplicate rows");
    assert!(got == expected, "PostgreSQL holds a different set");

    // The cross-host view: every 1,000th hash is on all 8 hosts.
    let out = Command::new(bin())
        .args(["fleet", "report", "--db-url", &db, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let campaigns = r["campaigns"].as_array().unwrap();
    assert_eq!(
        campaigns.len(),
        PER_HOST / 1000 + usize::from(!PER_HOST.is_multiple_of(1000))
    );
    for c in campaigns {
        assert_eq!(c["hosts"].as_array().unwrap().len(), HOSTS, "{c}");
    }
}

/// `--sink` on an ordinary command: `ferret scan` with the broker down keeps
/// its findings in the spool (and says so); `ferret fleet publish` with no
/// input flushes the spool once the broker is reachable, and the ingester
/// stores exactly those findings.
#[test]
fn scan_sink_spools_while_down_and_the_spool_reaches_postgresql() {
    let Some((nats, db, _admin)) = setup("spool") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let names = Names::unique("s");
    let spool = tmp.path().join("spool.jsonl");
    let port = closed_port();
    let webroot = crate::util::repo().join("examples/webroot");
    let out = Command::new(bin())
        .arg("scan")
        .arg(&webroot)
        .args([
            "--format",
            "jsonl",
            "--sink",
            &format!("nats://127.0.0.1:{port}"),
        ])
        .arg("--spool")
        .arg(&spool)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wait in the spool"), "{err}");
    let scanned: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(!scanned.is_empty());

    let flush = Command::new(bin())
        .args(["fleet", "publish", "--sink", &nats])
        .args(["--stream", &names.stream, "--subject-prefix", &names.prefix])
        .arg("--spool")
        .arg(&spool)
        .output()
        .unwrap();
    assert!(
        flush.status.success(),
        "{}",
        String::from_utf8_lossy(&flush.stderr)
    );
    let ingest = Command::new(bin())
        .args(["fleet", "ingest", "--nats", &nats, "--db-url", &db])
        .args(["--stream", &names.stream, "--subject-prefix", &names.prefix])
        .args(["--durable", &names.durable, "--exit-when-idle", "2s", "-q"])
        .output()
        .unwrap();
    assert!(
        ingest.status.success(),
        "{}",
        String::from_utf8_lossy(&ingest.stderr)
    );
    let mut pg = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    let stored: BTreeSet<String> = pg
        .query("SELECT id FROM findings", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(stored, scanned);
}
