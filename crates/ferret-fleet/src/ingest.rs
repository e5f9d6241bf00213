//! The consumer: a durable JetStream pull consumer storing findings and
//! incidents in PostgreSQL.
//!
//! Each fetched batch is stored in ONE transaction (an upsert idempotent on
//! `(host, id)`, rejects for messages that are not findings, the changed hosts
//! marked for incident recomputation) and the batch's messages are
//! acknowledged only after COMMIT. A crash before COMMIT leaves them
//! unacknowledged: JetStream redelivers them after `ack_wait`. A crash after
//! COMMIT but before the acknowledgements reach the server redelivers rows
//! that are already stored: the upsert counts them as duplicates. So
//! PostgreSQL ends with every published finding exactly once.

use crate::jetstream::{connect, context, ensure_stream};
use crate::pg::{self, has_nul, micros, printable, sha256_key, ts_from_micros};
use crate::subject::{
    all_hosts, check_name, check_prefix, subject_for, DEFAULT_PREFIX, DEFAULT_STREAM,
};
use crate::FleetError;
use async_nats::jetstream::consumer::{pull, AckPolicy, PullConsumer};
use ferret_core::{Finding, Severity, Subject};
use futures_util::StreamExt;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs a database future, again on deadlock or serialization failure.
macro_rules! retry_db {
    ($e:expr) => {{
        let mut tries = 0u32;
        loop {
            match $e.await {
                Err(e) if e.is_retryable_db() && tries < 5 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(20u64 << tries)).await;
                }
                other => break other,
            }
        }
    }};
}

/// The most messages one transaction takes.
pub const MAX_BATCH: usize = 5000;

/// Asks a running [`ingest`] to stop after its current batch.
#[derive(Debug, Clone, Default)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Requests the stop.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// True once a stop was requested.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// How the consumer runs.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// `nats://HOST:PORT`.
    pub nats_url: String,
    /// `postgres://...`.
    pub db_url: String,
    /// JetStream stream name.
    pub stream: String,
    /// Subject prefix the stream holds.
    pub subject_prefix: String,
    /// Durable consumer name.
    pub durable: String,
    /// Messages per transaction (1 to [`MAX_BATCH`]).
    pub batch: usize,
    /// Stop after this long without messages (None: run until signalled).
    pub exit_when_idle: Option<Duration>,
    /// What incidents may join.
    pub correlate: ferret_incident::Options,
    /// Stop after this many committed batches, without recomputing
    /// incidents: an abrupt stop, for tests of restarts.
    pub max_batches: Option<u64>,
    /// Stops the consumer from another thread.
    pub stop: StopHandle,
    /// Stop on SIGINT/SIGTERM (after the current batch; a second signal exits the process).
    pub handle_signals: bool,
    /// Under load, recompute incidents at most this often (they are also
    /// recomputed whenever the stream goes idle).
    pub incident_interval: Duration,
    /// How long JetStream waits for an acknowledgement before redelivering
    /// (set when the durable consumer is created; an existing one keeps its own).
    pub ack_wait: Duration,
}

impl IngestConfig {
    /// Defaults: stream `FERRET_FINDINGS`, prefix `ferret.findings`, durable
    /// `ferret-ingest`, batches of 500, run until signalled, signals handled,
    /// incidents recomputed at least every 10 s under load.
    pub fn new(nats_url: &str, db_url: &str) -> IngestConfig {
        IngestConfig {
            nats_url: nats_url.to_owned(),
            db_url: db_url.to_owned(),
            stream: DEFAULT_STREAM.into(),
            subject_prefix: DEFAULT_PREFIX.into(),
            durable: "ferret-ingest".into(),
            batch: 500,
            exit_when_idle: None,
            correlate: ferret_incident::Options::default(),
            max_batches: None,
            stop: StopHandle::default(),
            handle_signals: true,
            incident_interval: Duration::from_secs(10),
            ack_wait: Duration::from_secs(30),
        }
    }
}

/// What the consumer did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestStats {
    /// Messages received.
    pub received: u64,
    /// Findings newly stored.
    pub inserted: u64,
    /// Stored findings replaced by a newer sighting (a later `time`).
    pub updated: u64,
    /// Findings already stored (redeliveries, republished findings).
    pub duplicates: u64,
    /// Messages that were not findings (kept in a rejects table, acknowledged).
    pub rejected: u64,
    /// Transactions committed.
    pub batches: u64,
    /// Hosts whose incidents were recomputed (counted per recomputation).
    pub hosts_correlated: u64,
    /// What the consumer is waiting for or what went wrong without stopping
    /// it (NATS unreachable, correlation failed), if anything.
    pub status: Option<String>,
}

/// Runs the consumer until signalled, idle or stopped.
pub fn ingest(
    cfg: &IngestConfig,
    progress: &mut dyn FnMut(&IngestStats),
) -> Result<IngestStats, FleetError> {
    crate::publish::parse_nats_url(&cfg.nats_url)?;
    check_prefix(&cfg.subject_prefix).map_err(FleetError::Config)?;
    check_name("stream", &cfg.stream).map_err(FleetError::Config)?;
    check_name("durable consumer", &cfg.durable).map_err(FleetError::Config)?;
    if cfg.batch == 0 || cfg.batch > MAX_BATCH {
        return Err(FleetError::Config(format!(
            "batch must be 1 to {MAX_BATCH}, not {}",
            cfg.batch
        )));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| FleetError::Other(format!("starting the runtime: {e}")))?;
    rt.block_on(run(cfg, progress))
}

async fn run(
    cfg: &IngestConfig,
    progress: &mut dyn FnMut(&IngestStats),
) -> Result<IngestStats, FleetError> {
    let mut stats = IngestStats::default();
    let mut db = pg::connect(&cfg.db_url).await?;
    crate::schema::migrate(&mut db).await?;
    if cfg.handle_signals {
        watch_signals(cfg.stop.clone())?;
    }
    let url = crate::publish::parse_nats_url(&cfg.nats_url)?;
    let Some(client) = connect_with_retry(&url, cfg, &mut stats, progress).await else {
        return Ok(stats);
    };
    let js = context(client.clone(), Duration::from_secs(10));
    let stream = ensure_stream(&js, &cfg.stream, &cfg.subject_prefix).await?;
    let consumer: PullConsumer = stream
        .get_or_create_consumer(
            &cfg.durable,
            pull::Config {
                durable_name: Some(cfg.durable.clone()),
                description: Some("ferret fleet ingest".into()),
                ack_policy: AckPolicy::Explicit,
                ack_wait: cfg.ack_wait,
                max_ack_pending: (2 * cfg.batch).max(1000) as i64,
                filter_subject: all_hosts(&cfg.subject_prefix),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| {
            FleetError::nats(
                format!(
                    "creating durable consumer {} on stream {}",
                    cfg.durable, cfg.stream
                ),
                e,
            )
        })?;

    let mut incidents_due = db
        .query_one("SELECT EXISTS (SELECT 1 FROM dirty_hosts)", &[])
        .await
        .map_err(|e| FleetError::db("reading dirty_hosts", &e))?
        .get::<_, bool>(0);
    let mut last_message = Instant::now();
    let mut last_incidents = Instant::now();
    let mut fetch_failures = 0u32;
    loop {
        if cfg.stop.is_stopped() || cfg.max_batches.is_some_and(|m| stats.batches >= m) {
            break;
        }
        let msgs = match fetch(&consumer, cfg.batch).await {
            Ok(m) => {
                if fetch_failures > 0 {
                    fetch_failures = 0;
                    stats.status = None;
                    progress(&stats);
                }
                m
            }
            Err(e) => {
                // Time without a server is not idle time: messages may be waiting.
                last_message = Instant::now();
                fetch_failures += 1;
                let wait = backoff(fetch_failures);
                stats.status = Some(format!("{e}; retrying in {} ms", wait.as_millis()));
                progress(&stats);
                pause(wait, &cfg.stop).await;
                continue;
            }
        };
        if msgs.is_empty() {
            if incidents_due {
                recompute_incidents(&mut db, cfg, &mut stats).await?;
                incidents_due = false;
                last_incidents = Instant::now();
                progress(&stats);
            }
            if cfg
                .exit_when_idle
                .is_some_and(|idle| last_message.elapsed() >= idle)
            {
                // Idle only when nothing is owed: messages delivered to a
                // consumer that died before acknowledging come again after
                // ack_wait, and must be stored before stopping.
                match consumer.get_info().await {
                    Ok(i) if i.num_ack_pending == 0 && i.num_pending == 0 => break,
                    Ok(i) => {
                        stats.status = Some(format!(
                            "idle, but {} messages await redelivery and {} delivery",
                            i.num_ack_pending, i.num_pending
                        ));
                        progress(&stats);
                        last_message = Instant::now();
                    }
                    Err(e) => {
                        stats.status = Some(format!("reading the consumer's state: {e}"));
                        progress(&stats);
                    }
                }
            }
            pause(Duration::from_millis(200), &cfg.stop).await;
            continue;
        }
        last_message = Instant::now();
        let changed = store_batch(&mut db, cfg, &msgs, &mut stats).await?;
        // Committed: only now acknowledge, and push the acks out.
        let mut ack_error = None;
        for m in &msgs {
            if let Err(e) = m.ack().await {
                ack_error.get_or_insert(e.to_string());
            }
        }
        if let Err(e) = client.flush().await {
            ack_error.get_or_insert(e.to_string());
        }
        stats.status = None;
        if let Some(e) = ack_error {
            // The rows are committed; the messages come again and count as duplicates.
            stats.status = Some(format!("acknowledging a committed batch failed: {e}"));
        }
        stats.batches += 1;
        incidents_due |= changed;
        if incidents_due && last_incidents.elapsed() >= cfg.incident_interval {
            recompute_incidents(&mut db, cfg, &mut stats).await?;
            incidents_due = false;
            last_incidents = Instant::now();
        }
        progress(&stats);
    }
    Ok(stats)
}

fn backoff(failures: u32) -> Duration {
    Duration::from_millis((250u64 << failures.min(6)).min(10_000))
}

/// Sleeps `d`, waking early when a stop is requested.
async fn pause(d: Duration, stop: &StopHandle) {
    let end = Instant::now() + d;
    while !stop.is_stopped() {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        tokio::time::sleep(left.min(Duration::from_millis(100))).await;
    }
}

fn watch_signals(stop: StopHandle) -> Result<(), FleetError> {
    use tokio::signal::unix::{signal, SignalKind};
    let sig =
        |k| signal(k).map_err(|e| FleetError::Other(format!("installing signal handlers: {e}")));
    let mut int = sig(SignalKind::interrupt())?;
    let mut term = sig(SignalKind::terminate())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            if stop.is_stopped() {
                // A second signal: the user means it.
                std::process::exit(130);
            }
            stop.stop();
        }
    });
    Ok(())
}

async fn connect_with_retry(
    url: &str,
    cfg: &IngestConfig,
    stats: &mut IngestStats,
    progress: &mut dyn FnMut(&IngestStats),
) -> Option<async_nats::Client> {
    let mut failures = 0;
    loop {
        if cfg.stop.is_stopped() {
            return None;
        }
        match connect(url, Duration::from_secs(5)).await {
            Ok(c) => {
                if stats.status.take().is_some() {
                    progress(stats);
                }
                return Some(c);
            }
            Err(e) => {
                failures += 1;
                let wait = backoff(failures);
                stats.status = Some(format!(
                    "waiting for the NATS server: {e}; retrying in {} ms",
                    wait.as_millis()
                ));
                progress(stats);
                pause(wait, &cfg.stop).await;
            }
        }
    }
}

async fn fetch(
    consumer: &PullConsumer,
    n: usize,
) -> Result<Vec<async_nats::jetstream::Message>, FleetError> {
    let what = "fetching from the durable consumer";
    let mut batch = consumer
        .fetch()
        .max_messages(n)
        .expires(Duration::from_secs(1))
        .messages()
        .await
        .map_err(|e| FleetError::nats(what, e))?;
    let mut out = Vec::with_capacity(n);
    while let Some(m) = batch.next().await {
        match m {
            Ok(m) => out.push(m),
            // What arrived is kept; the rest comes with the next fetch.
            Err(e) if !out.is_empty() => {
                let _ = e;
                break;
            }
            Err(e) => return Err(FleetError::nats(what, e)),
        }
    }
    Ok(out)
}

/// One finding ready for the upsert.
#[derive(Debug, Clone)]
struct Row {
    host: String,
    id: String,
    time: i64,
    published: Option<i64>,
    severity: String,
    rank: i16,
    technique: String,
    rule: String,
    kind: String,
    subject: String,
    sha256: Option<String>,
    seq: i64,
    doc: String,
    /// The NATS subject it came on (for a reject).
    subject_name: String,
}

/// A message that is not a finding.
#[derive(Debug, Clone)]
struct Reject {
    seq: i64,
    subject: String,
    reason: String,
    payload: Vec<u8>,
}

fn severity_rank(s: Severity) -> i16 {
    Severity::ALL.iter().position(|&x| x == s).unwrap_or(0) as i16
}

/// Checks a message and turns it into a row, or says why it is not a finding.
fn parse_message(
    prefix: &str,
    subject: &str,
    payload: &[u8],
    seq: i64,
    published: Option<i64>,
) -> Result<Row, String> {
    let f: Finding = serde_json::from_slice(payload).map_err(|e| format!("not a finding: {e}"))?;
    if f.id.is_empty() {
        return Err("the finding has an empty id".into());
    }
    let expected = subject_for(prefix, &f.host);
    if subject != expected {
        return Err(format!(
            "published on {subject:?} but its host {:?} belongs on {expected:?}",
            f.host
        ));
    }
    let time = micros(&f.time).ok_or_else(|| format!("time {:?} is not RFC 3339", f.time))?;
    let doc = serde_json::to_value(&f).map_err(|e| format!("re-serializing: {e}"))?;
    if has_nul(&doc) {
        return Err("the finding holds a NUL character".into());
    }
    let sha = match &f.subject {
        Subject::File(s) => Some(s.sha256.as_str()),
        Subject::Component(c) => c.sha256.as_deref(),
        _ => None,
    };
    Ok(Row {
        time,
        published,
        severity: f.severity.as_str().into(),
        rank: severity_rank(f.severity),
        technique: f.technique.id().into(),
        rule: f.rule.clone(),
        kind: f.subject.kind().into(),
        subject: f.subject.path().as_str().into(),
        sha256: sha256_key(sha),
        seq,
        doc: doc.to_string(),
        subject_name: printable(subject),
        host: f.host,
        id: f.id,
    })
}

/// Stores one fetched batch in one transaction; returns whether any
/// finding was inserted or updated. Counts into `stats`.
async fn store_batch(
    db: &mut tokio_postgres::Client,
    cfg: &IngestConfig,
    msgs: &[async_nats::jetstream::Message],
    stats: &mut IngestStats,
) -> Result<bool, FleetError> {
    let mut rows: HashMap<(String, String), Row> = HashMap::new();
    let mut rejects = Vec::new();
    let mut dup_in_batch = 0u64;
    for m in msgs {
        let seq = m
            .info()
            .map(|i| i.stream_sequence as i64)
            .map_err(|e| FleetError::nats("reading a message's stream sequence", e))?;
        let published = m
            .headers
            .as_ref()
            .and_then(|h| h.get(crate::publish::PUBLISHED_AT_HEADER))
            .and_then(|v| v.as_str().parse::<i64>().ok())
            .map(|ns| ns / 1000);
        match parse_message(
            &cfg.subject_prefix,
            m.subject.as_str(),
            &m.payload,
            seq,
            published,
        ) {
            Ok(row) => {
                let key = (row.host.clone(), row.id.clone());
                match rows.get(&key) {
                    Some(old) if (old.time, old.seq) >= (row.time, row.seq) => dup_in_batch += 1,
                    Some(_) => {
                        dup_in_batch += 1;
                        rows.insert(key, row);
                    }
                    None => {
                        rows.insert(key, row);
                    }
                }
            }
            Err(reason) => rejects.push(Reject {
                seq,
                subject: printable(m.subject.as_str()),
                reason: printable(&reason),
                payload: m.payload.to_vec(),
            }),
        }
    }
    let mut rows: Vec<Row> = rows.into_values().collect();
    rows.sort_by(|a, b| (&a.host, &a.id).cmp(&(&b.host, &b.id)));

    let outcome = match retry_db!(store(db, &rows, &rejects)) {
        Ok(o) => o,
        Err(e) if e.is_data_error() => {
            // A row the server refuses spoils the batch: store one by one,
            // rejecting (with the server's reason) what cannot be stored.
            store_one_by_one(db, rows, &mut rejects).await?
        }
        Err(e) => return Err(e),
    };
    stats.received += msgs.len() as u64;
    stats.inserted += outcome.inserted;
    stats.updated += outcome.updated;
    stats.duplicates += outcome.unchanged + dup_in_batch;
    stats.rejected += rejects.len() as u64;
    Ok(outcome.inserted + outcome.updated > 0)
}

#[derive(Debug, Default, Clone, Copy)]
struct Outcome {
    inserted: u64,
    updated: u64,
    unchanged: u64,
}

async fn store_one_by_one(
    db: &mut tokio_postgres::Client,
    rows: Vec<Row>,
    rejects: &mut Vec<Reject>,
) -> Result<Outcome, FleetError> {
    let mut total = Outcome::default();
    for row in rows {
        let one = std::slice::from_ref(&row);
        match retry_db!(store(db, one, &[])) {
            Ok(o) => {
                total.inserted += o.inserted;
                total.updated += o.updated;
                total.unchanged += o.unchanged;
            }
            Err(e @ FleetError::Db { .. }) if e.is_data_error() => rejects.push(Reject {
                seq: row.seq,
                subject: row.subject_name.clone(),
                reason: printable(&format!("PostgreSQL refused it: {e}")),
                payload: row.doc.clone().into_bytes(),
            }),
            Err(e) => return Err(e),
        }
    }
    let rj: &[Reject] = rejects;
    retry_db!(store(db, &[], rj))?;
    Ok(total)
}

const UPSERT: &str = "
INSERT INTO findings AS f (host, id, time, published_at, severity, severity_rank, technique,
                           rule, subject_kind, subject, sha256, stream_seq, doc)
SELECT u.host, u.id, TS(u.t), TS(u.p), u.sev, u.rank, u.tech, u.rule, u.kind, u.subj, u.sha,
       u.seq, u.doc::jsonb
FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::text[], $6::int2[], $7::text[],
            $8::text[], $9::text[], $10::text[], $11::text[], $12::int8[], $13::text[])
     AS u(host, id, t, p, sev, rank, tech, rule, kind, subj, sha, seq, doc)
ORDER BY u.host, u.id
ON CONFLICT (host, id) DO UPDATE SET
    time = excluded.time, published_at = excluded.published_at, ingested_at = clock_timestamp(),
    severity = excluded.severity, severity_rank = excluded.severity_rank,
    technique = excluded.technique, rule = excluded.rule, subject_kind = excluded.subject_kind,
    subject = excluded.subject, sha256 = excluded.sha256, stream_seq = excluded.stream_seq,
    doc = excluded.doc
WHERE excluded.time > f.time
RETURNING f.host, (xmax = 0) AS inserted";

/// One transaction: upsert `rows`, record `rejects`, mark changed hosts dirty.
async fn store(
    db: &mut tokio_postgres::Client,
    rows: &[Row],
    rejects: &[Reject],
) -> Result<Outcome, FleetError> {
    let tx = db
        .transaction()
        .await
        .map_err(|e| FleetError::db("starting a batch transaction", &e))?;
    let mut out = Outcome::default();
    let mut changed_hosts = BTreeSet::new();
    if !rows.is_empty() {
        let col = |f: fn(&Row) -> String| rows.iter().map(f).collect::<Vec<String>>();
        let hosts = col(|r| r.host.clone());
        let ids = col(|r| r.id.clone());
        let times: Vec<i64> = rows.iter().map(|r| r.time).collect();
        let pubs: Vec<Option<i64>> = rows.iter().map(|r| r.published).collect();
        let sevs = col(|r| r.severity.clone());
        let ranks: Vec<i16> = rows.iter().map(|r| r.rank).collect();
        let techs = col(|r| r.technique.clone());
        let rules = col(|r| r.rule.clone());
        let kinds = col(|r| r.kind.clone());
        let subjects = col(|r| r.subject.clone());
        let shas: Vec<Option<String>> = rows.iter().map(|r| r.sha256.clone()).collect();
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        let docs = col(|r| r.doc.clone());
        let sql = UPSERT
            .replace("TS(u.t)", &ts_from_micros("u.t"))
            .replace("TS(u.p)", &ts_from_micros("u.p"));
        let returned = tx
            .query(
                &sql,
                &[
                    &hosts, &ids, &times, &pubs, &sevs, &ranks, &techs, &rules, &kinds, &subjects,
                    &shas, &seqs, &docs,
                ],
            )
            .await
            .map_err(|e| FleetError::db("storing findings", &e))?;
        for r in &returned {
            let host: String = r.get(0);
            if r.get::<_, bool>(1) {
                out.inserted += 1;
            } else {
                out.updated += 1;
            }
            changed_hosts.insert(host);
        }
        out.unchanged = rows.len() as u64 - returned.len() as u64;
    }
    if !rejects.is_empty() {
        let seqs: Vec<i64> = rejects.iter().map(|r| r.seq).collect();
        let subjects: Vec<&str> = rejects.iter().map(|r| r.subject.as_str()).collect();
        let reasons: Vec<&str> = rejects.iter().map(|r| r.reason.as_str()).collect();
        let payloads: Vec<&[u8]> = rejects.iter().map(|r| r.payload.as_slice()).collect();
        tx.execute(
            "INSERT INTO rejects (stream_seq, subject, reason, payload)
             SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::bytea[])
             ON CONFLICT (stream_seq) DO NOTHING",
            &[&seqs, &subjects, &reasons, &payloads],
        )
        .await
        .map_err(|e| FleetError::db("storing rejected messages", &e))?;
    }
    if !changed_hosts.is_empty() {
        let hosts: Vec<String> = changed_hosts.into_iter().collect();
        tx.execute(
            "INSERT INTO dirty_hosts (host) SELECT unnest($1::text[]) ORDER BY 1
             ON CONFLICT (host) DO UPDATE SET gen = dirty_hosts.gen + 1, marked_at = clock_timestamp()",
            &[&hosts],
        )
        .await
        .map_err(|e| FleetError::db("marking hosts for incident recomputation", &e))?;
    }
    tx.commit()
        .await
        .map_err(|e| FleetError::db("committing a batch", &e))?;
    Ok(out)
}

/// Recomputes the incidents of every dirty host. A correlation failure is
/// reported in `stats.status` and leaves the host dirty; database errors stop.
async fn recompute_incidents(
    db: &mut tokio_postgres::Client,
    cfg: &IngestConfig,
    stats: &mut IngestStats,
) -> Result<(), FleetError> {
    let hosts: Vec<String> = db
        .query("SELECT host FROM dirty_hosts ORDER BY host", &[])
        .await
        .map_err(|e| FleetError::db("reading dirty_hosts", &e))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for host in hosts {
        match retry_db!(recompute_host(db, &host, &cfg.correlate)) {
            Ok(true) => stats.hosts_correlated += 1,
            Ok(false) => {}
            Err(FleetError::Other(why)) => stats.status = Some(why),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Replaces one host's incidents; false when another consumer already did.
async fn recompute_host(
    db: &mut tokio_postgres::Client,
    host: &str,
    opts: &ferret_incident::Options,
) -> Result<bool, FleetError> {
    let tx = db
        .transaction()
        .await
        .map_err(|e| FleetError::db("starting an incident transaction", &e))?;
    let Some(gen_row) = tx
        .query_opt(
            "SELECT gen FROM dirty_hosts WHERE host = $1 FOR UPDATE",
            &[&host],
        )
        .await
        .map_err(|e| FleetError::db("locking a dirty host", &e))?
    else {
        return Ok(false);
    };
    let gen: i64 = gen_row.get(0);
    let docs = tx
        .query(
            "SELECT doc::text FROM findings WHERE host = $1 ORDER BY id",
            &[&host],
        )
        .await
        .map_err(|e| FleetError::db("loading a host's findings", &e))?;
    let findings: Vec<Finding> = docs
        .iter()
        .filter_map(|r| serde_json::from_str(r.get::<_, &str>(0)).ok())
        .collect();
    let corr = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ferret_incident::correlate(findings, opts)
    }))
    .map_err(|p| {
        let why = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into());
        FleetError::Other(format!(
            "correlating host {} failed ({why}); its incidents are recomputed with its next findings",
            printable(host)
        ))
    })?;
    let mut seen = BTreeSet::new();
    let incidents: Vec<_> = corr
        .incidents
        .iter()
        .filter(|i| seen.insert(i.id.clone()))
        .collect();
    let ids: Vec<&str> = incidents.iter().map(|i| i.id.as_str()).collect();
    let sevs: Vec<&str> = incidents.iter().map(|i| i.severity.as_str()).collect();
    let ranks: Vec<i16> = incidents
        .iter()
        .map(|i| severity_rank(i.severity))
        .collect();
    let titles: Vec<&str> = incidents.iter().map(|i| i.title.as_str()).collect();
    let firsts: Vec<Option<i64>> = incidents.iter().map(|i| micros(&i.first_seen)).collect();
    let lasts: Vec<Option<i64>> = incidents.iter().map(|i| micros(&i.last_seen)).collect();
    let counts: Vec<i32> = incidents
        .iter()
        .map(|i| i.findings.len().min(i32::MAX as usize) as i32)
        .collect();
    let docs: Vec<String> = incidents
        .iter()
        .map(|i| serde_json::to_string(i).unwrap_or_else(|_| "{}".into()))
        .collect();
    tx.execute("DELETE FROM incidents WHERE host = $1", &[&host])
        .await
        .map_err(|e| FleetError::db("clearing a host's incidents", &e))?;
    let insert = format!(
        "INSERT INTO incidents (host, id, severity, severity_rank, title, first_seen, last_seen, finding_count, doc)
         SELECT $1, u.id, u.sev, u.rank, u.title, {}, {}, u.n, u.doc::jsonb
         FROM unnest($2::text[], $3::text[], $4::int2[], $5::text[], $6::int8[], $7::int8[], $8::int4[], $9::text[])
              AS u(id, sev, rank, title, f, l, n, doc)",
        ts_from_micros("u.f"),
        ts_from_micros("u.l")
    );
    tx.execute(
        &insert,
        &[
            &host, &ids, &sevs, &ranks, &titles, &firsts, &lasts, &counts, &docs,
        ],
    )
    .await
    .map_err(|e| FleetError::db("storing a host's incidents", &e))?;
    let fids: Vec<&str> = corr.findings.iter().map(|f| f.id.as_str()).collect();
    let incs: Vec<&str> = corr.findings.iter().map(|f| f.incident.as_str()).collect();
    tx.execute(
        "UPDATE findings f SET incident = u.inc
         FROM unnest($2::text[], $3::text[]) AS u(id, inc)
         WHERE f.host = $1 AND f.id = u.id AND f.incident IS DISTINCT FROM u.inc",
        &[&host, &fids, &incs],
    )
    .await
    .map_err(|e| FleetError::db("linking findings to incidents", &e))?;
    tx.execute(
        "DELETE FROM dirty_hosts WHERE host = $1 AND gen = $2",
        &[&host, &gen],
    )
    .await
    .map_err(|e| FleetError::db("clearing a dirty host", &e))?;
    tx.commit()
        .await
        .map_err(|e| FleetError::db("committing a host's incidents", &e))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::finding;

    #[test]
    fn messages_are_checked() {
        let f = finding("web.01", "a1", "2026-01-02T03:04:05Z", None);
        let payload = serde_json::to_vec(&f).unwrap();
        let subj = subject_for("p", "web.01");
        let row = parse_message("p", &subj, &payload, 7, Some(5)).unwrap();
        assert_eq!(
            (row.host.as_str(), row.id.as_str(), row.seq, row.rank),
            ("web.01", "a1", 7, 4)
        );
        assert_eq!(row.sha256.as_ref().map(|s| s.len()), Some(64));
        assert!(parse_message("p", "p.other", &payload, 1, None)
            .unwrap_err()
            .contains("belongs on"));
        assert!(parse_message("p", &subj, b"garbage", 1, None)
            .unwrap_err()
            .contains("not a finding"));
        let mut bad_time = f.clone();
        bad_time.time = "2026-02-30T00:00:00Z".into();
        let p = serde_json::to_vec(&bad_time).unwrap();
        assert!(parse_message("p", &subj, &p, 1, None)
            .unwrap_err()
            .contains("RFC 3339"));
        let mut nul = f.clone();
        nul.rule = "a\0b".into();
        let p = serde_json::to_vec(&nul).unwrap();
        assert!(parse_message("p", &subj, &p, 1, None)
            .unwrap_err()
            .contains("NUL"));
    }
}
