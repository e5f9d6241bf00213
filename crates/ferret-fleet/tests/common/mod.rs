//! Shared test fixtures: the servers (skipping when absent), one database,
//! stream, prefix and durable per test, and a private nats-server.

#![allow(dead_code)]

use ferret_core::Finding;
use ferret_fleet::{IngestConfig, IngestStats, PublishSummary, Publisher, SinkConfig};
use std::collections::BTreeSet;
use std::hash::{BuildHasher, Hasher};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A random lowercase suffix.
pub fn suffix() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.write_u32(std::process::id());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

fn host_port(url: &str, default_port: u16) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let authority = authority.rsplit('@').next()?;
    Some(if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:{default_port}")
    })
}

fn reachable(url: &str, port: u16) -> Result<(), String> {
    let hp = host_port(url, port).ok_or_else(|| format!("cannot parse {url}"))?;
    let addr = hp
        .to_socket_addrs()
        .map_err(|e| format!("{hp}: {e}"))?
        .next()
        .ok_or_else(|| format!("{hp}: no address"))?;
    TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map(|_| ())
        .map_err(|e| format!("{hp}: {e}"))
}

/// Says why tests are skipped, once per reason, past the test harness's
/// output capture (so a plain `cargo test` shows it).
pub fn skip(why: &str) {
    use std::io::Write;
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if !said.iter().any(|w| w == why) {
        said.push(why.to_owned());
        let _ = writeln!(std::io::stderr(), "skipped: {why}");
    }
}

/// The two servers, or None (after printing why) when one is unreachable.
pub struct Servers {
    pub nats: String,
    pub pg: String,
}

impl Servers {
    /// What most tests start with: their own stream names on the shared
    /// server, their own database, a scratch directory.
    pub fn case(&self) -> (Names, TestDb, tempfile::TempDir) {
        (
            Names::new(&self.nats),
            TestDb::new(&self.pg),
            tempfile::tempdir().unwrap(),
        )
    }
}

pub fn servers() -> Option<Servers> {
    let nats =
        std::env::var("FERRET_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let pg = std::env::var("FERRET_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    if let Err(e) = reachable(&nats, 4222) {
        skip(&format!(
            "NATS JetStream unreachable at {e} (set FERRET_TEST_NATS_URL)"
        ));
        return None;
    }
    if let Err(e) = reachable(&pg, 5432) {
        skip(&format!(
            "PostgreSQL unreachable at {e} (set FERRET_TEST_PG_URL)"
        ));
        return None;
    }
    Some(Servers { nats, pg })
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    c
}

/// `base` with its database replaced by `db`.
fn with_db(base: &str, db: &str) -> String {
    let (scheme, rest) = base.split_once("://").unwrap();
    let authority = rest.split(['/', '?']).next().unwrap();
    format!("{scheme}://{authority}/{db}")
}

/// A database of its own, dropped at the end.
pub struct TestDb {
    base: String,
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub fn new(base: &str) -> TestDb {
        let name = format!("ferret_fleet_{}", suffix());
        rt().block_on(async {
            let c = pg_client(base).await;
            c.batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
        });
        TestDb {
            base: base.to_owned(),
            url: with_db(base, &name),
            name,
        }
    }

    /// Runs a query returning rows of text columns.
    pub fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        rt().block_on(async {
            let c = pg_client(&self.url).await;
            c.query(sql, &[])
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.get::<_, Option<String>>(i))
                        .collect()
                })
                .collect()
        })
    }

    pub fn count(&self, sql: &str) -> u64 {
        self.rows(&format!("SELECT ({sql})::text"))[0][0]
            .as_deref()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// The stored (host, id) pairs.
    pub fn keys(&self) -> BTreeSet<(String, String)> {
        self.rows("SELECT host, id FROM findings")
            .into_iter()
            .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
            .collect()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        rt().block_on(async move {
            let c = pg_client(&base).await;
            let _ = c
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        });
    }
}

/// A stream, prefix and durable of its own; the stream is deleted at the end.
pub struct Names {
    pub nats: String,
    pub stream: String,
    pub prefix: String,
    pub durable: String,
}

impl Names {
    pub fn new(nats: &str) -> Names {
        let s = suffix();
        Names {
            nats: nats.to_owned(),
            stream: format!("FT_{s}"),
            prefix: format!("ft{s}.findings"),
            durable: format!("ft-{s}"),
        }
    }

    pub fn sink(&self, url: &str, spool: &Path) -> SinkConfig {
        let mut c = SinkConfig::new(url).unwrap();
        c.spool = spool.to_owned();
        c.stream = self.stream.clone();
        c.subject_prefix = self.prefix.clone();
        c.connect_timeout = Duration::from_secs(2);
        c.ack_timeout = Duration::from_secs(2);
        c
    }

    pub fn ingest(&self, url: &str, db: &TestDb) -> IngestConfig {
        let mut c = IngestConfig::new(url, &db.url);
        c.stream = self.stream.clone();
        c.subject_prefix = self.prefix.clone();
        c.durable = self.durable.clone();
        c.batch = 500;
        c.exit_when_idle = Some(Duration::from_millis(1500));
        c.handle_signals = false;
        c
    }

    /// Publishes raw bytes on a subject (core NATS: JetStream stores it).
    pub fn raw_publish(&self, subject: &str, payload: &[u8]) {
        let (url, subject, payload) = (self.nats.clone(), subject.to_owned(), payload.to_vec());
        rt().block_on(async move {
            let c = async_nats::connect(url).await.unwrap();
            let js = async_nats::jetstream::new(c);
            js.publish(subject, payload.into())
                .await
                .unwrap()
                .await
                .unwrap();
        });
    }

    /// Publishes `fs` through a publisher on `nats` with `spool`, and returns
    /// its summary once every acknowledgement is in.
    pub fn publish_all(&self, nats: &str, spool: &Path, fs: &[Finding]) -> PublishSummary {
        let mut p = Publisher::open(self.sink(nats, spool)).unwrap();
        for f in fs {
            p.publish(f).unwrap();
        }
        p.finish().unwrap()
    }
}

impl Names {
    /// Deletes the durable consumer: every acknowledgement is forgotten and
    /// the next consumer gets the whole stream again (as after lost acks).
    pub fn forget_acks(&self) {
        let (url, stream, durable) = (self.nats.clone(), self.stream.clone(), self.durable.clone());
        rt().block_on(async move {
            let c = async_nats::connect(url).await.unwrap();
            let js = async_nats::jetstream::new(c);
            js.delete_consumer_from_stream(durable, stream)
                .await
                .unwrap();
        });
    }
}

impl Names {
    /// Plays a consumer that dies after fetching `n` messages, before
    /// storing or acknowledging them. The durable is created first with a
    /// short `ack_wait` so that the redelivery comes within the test.
    pub fn die_holding(&self, n: usize, ack_wait: Duration) {
        use async_nats::jetstream::consumer::{pull, AckPolicy};
        use futures_util::StreamExt;
        let (url, stream) = (self.nats.clone(), self.stream.clone());
        let (durable, filter) = (self.durable.clone(), format!("{}.>", self.prefix));
        rt().block_on(async move {
            let js = async_nats::jetstream::new(async_nats::connect(url).await.unwrap());
            let s = js.get_stream(stream).await.unwrap();
            let c: async_nats::jetstream::consumer::PullConsumer = s
                .get_or_create_consumer(
                    &durable,
                    pull::Config {
                        durable_name: Some(durable.clone()),
                        ack_policy: AckPolicy::Explicit,
                        ack_wait,
                        filter_subject: filter,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let mut got = 0;
            let mut b = c.fetch().max_messages(n).messages().await.unwrap();
            while let Some(m) = b.next().await {
                m.unwrap();
                got += 1;
            }
            assert_eq!(got, n);
        });
    }
}

impl Drop for Names {
    fn drop(&mut self) {
        let (url, stream) = (self.nats.clone(), self.stream.clone());
        rt().block_on(async move {
            if let Ok(c) = async_nats::connect(url).await {
                let _ = async_nats::jetstream::new(c).delete_stream(stream).await;
            }
        });
    }
}

/// `n` findings spread over `hosts`, with distinct ids.
pub fn findings(hosts: &[&str], n: usize, time: &str) -> Vec<Finding> {
    (0..n)
        .map(|i| {
            ferret_fleet::testdata::finding(hosts[i % hosts.len()], &format!("f{i:06}"), time, None)
        })
        .collect()
}

pub fn keys_of(fs: &[Finding]) -> BTreeSet<(String, String)> {
    fs.iter().map(|f| (f.host.clone(), f.id.clone())).collect()
}

/// Runs the consumer to idle.
pub fn ingest(cfg: &IngestConfig) -> IngestStats {
    ferret_fleet::ingest(cfg, &mut |_| {}).unwrap()
}

/// The lines of a spool file (0 when absent).
pub fn spool_lines(p: &Path) -> usize {
    std::fs::read(p)
        .map(|d| d.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count())
        .unwrap_or(0)
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private nats-server with JetStream, killed (SIGKILL) on drop.
pub struct PrivateNats {
    pub port: u16,
    store: std::path::PathBuf,
    child: Option<Child>,
}

pub const NATS_SERVER: &str = "/usr/sbin/nats-server";

impl PrivateNats {
    pub fn start(store: &Path) -> Option<PrivateNats> {
        if !Path::new(NATS_SERVER).exists() {
            skip(&format!("{NATS_SERVER} is not installed"));
            return None;
        }
        let mut s = PrivateNats {
            port: free_port(),
            store: store.to_owned(),
            child: None,
        };
        s.restart();
        Some(s)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL
            let _ = c.wait();
        }
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing is
    /// answered. `kill` and `restart` still work on a frozen server.
    pub fn freeze(&mut self) {
        let pid = self.child.as_ref().expect("the server is running").id();
        let st = Command::new("kill")
            .args(["-STOP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(st.success(), "kill -STOP {pid}: {st}");
    }

    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new(NATS_SERVER)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(&self.store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        // Wait until it accepts connections (bounded: a server that never
        // comes up fails the test below with a connection error).
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        self.kill();
    }
}
