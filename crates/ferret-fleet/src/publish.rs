//! Publishing findings to JetStream, with the spool for what cannot be sent.
//!
//! [`Publisher`] is a blocking facade: it owns a current-thread tokio runtime
//! driven by a small background thread (so the connection answers the
//! server's pings even while the caller is busy or idle, as a `watch` daemon
//! is), and each call blocks on that runtime's handle.
//!
//! Every finding ends in exactly one of three places, counted in
//! [`PublishSummary`]: acknowledged by JetStream (`acked`), written and
//! `fsync`ed to the spool (`spooled`), or refused with an error (`lost`: too
//! large for the server, or the spool is full). Spooled findings are sent by
//! the next flush: when a publisher opens on a reachable server, and when
//! publishing succeeds again after failures.
//!
//! Each acknowledgement is awaited until its publish time plus the ack
//! timeout, not for a fresh timeout when its turn comes: a request lost with
//! a dropped connection is never answered (async-nats keeps waiting for it),
//! so a full window of them costs one ack timeout in all, not one each.

use crate::jetstream::{connect, context, ensure_stream};
use crate::spool::{BadLine, Spool, SpoolLine, SpoolRewrite, DEFAULT_CAP};
use crate::subject::{
    check_name, check_prefix, host_token, subject_for, DEFAULT_PREFIX, DEFAULT_STREAM,
};
use crate::FleetError;
use async_nats::jetstream::context::{PublishAckFuture, PublishError, PublishErrorKind};
use async_nats::jetstream::publish::PublishAck;
use async_nats::jetstream::Context;
use ferret_core::Finding;
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::future::IntoFuture;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The header carrying the publish time (unix nanoseconds), for latency.
pub const PUBLISHED_AT_HEADER: &str = "Ferret-Published-At";
/// While disconnected, how often a publisher tries to connect again.
const RECONNECT_EVERY: Duration = Duration::from_secs(30);
/// While acks fail, how often one publish is tried (the others are spooled).
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// Spooled findings are appended (one write, one fsync) in batches this big,
const SPOOL_BATCH: usize = 1024;
/// or when the oldest waiting one waited this long.
const SPOOL_DELAY: Duration = Duration::from_secs(1);

/// Where and how findings are published.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// `nats://HOST:PORT`.
    pub url: String,
    /// The local spool file.
    pub spool: PathBuf,
    /// JetStream stream name.
    pub stream: String,
    /// Subject prefix; the host token is appended.
    pub subject_prefix: String,
    /// How long to wait for the server when connecting.
    pub connect_timeout: Duration,
    /// How long to wait for each publish acknowledgement.
    pub ack_timeout: Duration,
    /// The spool's size cap in bytes.
    pub spool_cap: u64,
    /// Publishes whose acknowledgements may be outstanding at once.
    pub max_in_flight: usize,
}

impl SinkConfig {
    /// Defaults for `url` (`nats://HOST[:PORT]`, port 4222 by default):
    /// stream `FERRET_FINDINGS`, prefix `ferret.findings`, the default spool
    /// path, connect timeout 5 s, ack timeout 10 s, spool cap 2 GiB, 256 acks
    /// in flight.
    pub fn new(url: &str) -> Result<SinkConfig, FleetError> {
        Ok(SinkConfig {
            url: parse_nats_url(url)?,
            spool: crate::spool::default_path()?,
            stream: DEFAULT_STREAM.into(),
            subject_prefix: DEFAULT_PREFIX.into(),
            connect_timeout: Duration::from_secs(5),
            ack_timeout: Duration::from_secs(10),
            spool_cap: DEFAULT_CAP,
            max_in_flight: 256,
        })
    }
}

/// Checks `nats://HOST[:PORT]` and returns it normalized with the port.
pub fn parse_nats_url(url: &str) -> Result<String, FleetError> {
    let bad = |reason: &str| FleetError::BadSinkUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("expected nats://HOST[:PORT]"))?;
    if !scheme.eq_ignore_ascii_case("nats") {
        return Err(bad(&format!(
            "unsupported scheme {scheme:?}: only nats://HOST[:PORT] is supported"
        )));
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('@') {
        return Err(bad("credentials in the URL are not supported"));
    }
    if rest.contains(['/', '?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("expected nats://HOST[:PORT] with no path"));
    }
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (h, tail) = v6
            .split_once(']')
            .ok_or_else(|| bad("unclosed [ in IPv6 address"))?;
        let port = match tail {
            "" => None,
            t => Some(
                t.strip_prefix(':')
                    .ok_or_else(|| bad("expected :PORT after ]"))?,
            ),
        };
        (format!("[{h}]"), port)
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (rest.to_owned(), None),
        }
    };
    if host.is_empty() || host == "[]" || host.contains(':') && !host.starts_with('[') {
        return Err(bad("missing or malformed host"));
    }
    let port: u16 = match port {
        None => 4222,
        Some(p) => p
            .parse()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| bad("the port must be a number from 1 to 65535"))?,
    };
    Ok(format!("nats://{host}:{port}"))
}

/// What a publisher did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PublishSummary {
    /// Findings acknowledged by JetStream in this run.
    pub acked: u64,
    /// Findings written to the spool (not acknowledged) in this run; a later
    /// flush in the same run counts them again under `flushed`.
    pub spooled: u64,
    /// Spooled findings sent and acknowledged.
    pub flushed: u64,
    /// Findings neither acknowledged nor spooled (too large for the server,
    /// or the spool was full); each was reported as an error.
    pub lost: u64,
    /// Why findings were spooled or lost, when they were (first reason).
    pub note: Option<String>,
}

struct Link {
    client: async_nats::Client,
    js: Context,
}

/// A sent finding whose acknowledgement is awaited until `deadline`.
struct InFlight {
    payload: Vec<u8>,
    ack: PublishAckFuture,
    deadline: Instant,
}

/// Publishes findings; blocking facade over async-nats.
pub struct Publisher {
    handle: tokio::runtime::Handle,
    driver: Option<(
        tokio::sync::oneshot::Sender<()>,
        std::thread::JoinHandle<()>,
    )>,
    cfg: SinkConfig,
    spool: Spool,
    link: Option<Link>,
    in_flight: VecDeque<InFlight>,
    to_spool: Vec<Vec<u8>>,
    spool_since: Instant,
    failing: bool,
    next_probe: Instant,
    next_connect: Instant,
    summary: PublishSummary,
    closed: bool,
}

impl Publisher {
    /// Connects (or falls back to the spool) and flushes an earlier spool.
    ///
    /// An unreachable server is not an error: the publisher spools, says why
    /// in the summary's `note`, and tries to connect again every 30 s. Errors
    /// are configuration that cannot work (bad names, a stream with other
    /// subjects) and spool I/O.
    pub fn open(mut cfg: SinkConfig) -> Result<Publisher, FleetError> {
        cfg.url = parse_nats_url(&cfg.url)?;
        check_prefix(&cfg.subject_prefix).map_err(FleetError::Config)?;
        check_name("stream", &cfg.stream).map_err(FleetError::Config)?;
        if cfg.max_in_flight == 0 {
            return Err(FleetError::Config(
                "max_in_flight must be at least 1".into(),
            ));
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| FleetError::Other(format!("starting the NATS runtime: {e}")))?;
        let handle = rt.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("ferret-nats".into())
            .spawn(move || {
                let _ = rt.block_on(stopped);
            })
            .map_err(|e| FleetError::Other(format!("starting the NATS thread: {e}")))?;
        let now = Instant::now();
        let mut p = Publisher {
            handle,
            driver: Some((stop, thread)),
            spool: Spool::new(cfg.spool.clone(), cfg.spool_cap),
            cfg,
            link: None,
            in_flight: VecDeque::new(),
            to_spool: Vec::new(),
            spool_since: now,
            failing: false,
            next_probe: now,
            next_connect: now,
            summary: PublishSummary::default(),
            closed: false,
        };
        p.try_connect()?;
        Ok(p)
    }

    /// True while connected and publishes are being acknowledged.
    pub fn is_connected(&self) -> bool {
        self.link.is_some() && !self.failing
    }

    /// The counts so far.
    pub fn summary(&self) -> &PublishSummary {
        &self.summary
    }

    /// The configuration in use.
    pub fn config(&self) -> &SinkConfig {
        &self.cfg
    }

    /// Publishes one finding. It is acknowledged later (up to
    /// `max_in_flight` are outstanding) or spooled; an error means it was
    /// neither (see [`PublishSummary::lost`]) or the spool failed.
    pub fn publish(&mut self, f: &Finding) -> Result<(), FleetError> {
        let payload = serde_json::to_vec(f)
            .map_err(|e| FleetError::Other(format!("serializing finding {}: {e}", f.id)))?;
        self.publish_payload(&f.host, &f.id, payload)
    }

    fn publish_payload(
        &mut self,
        host: &str,
        id: &str,
        payload: Vec<u8>,
    ) -> Result<(), FleetError> {
        if self.link.is_none() && Instant::now() >= self.next_connect {
            self.try_connect()?;
        }
        if self.link.is_none() {
            return self.spool_push(payload);
        }
        if self.failing {
            let connected = self.link.as_ref().is_some_and(|l| {
                l.client.connection_state() == async_nats::connection::State::Connected
            });
            if !connected || Instant::now() < self.next_probe {
                return self.spool_push(payload);
            }
            // Probe: drain what is outstanding, then try this one and wait.
            self.drain()?;
            self.next_probe = Instant::now() + PROBE_EVERY;
            match self.send(host, id, &payload) {
                Ok((ack, deadline)) => match self.await_ack(ack, deadline) {
                    Ok(_) => {
                        self.summary.acked += 1;
                        self.failing = false;
                        self.flush_spool()?;
                        return Ok(());
                    }
                    Err(_) => return self.spool_push(payload),
                },
                Err(e) if e.kind() == PublishErrorKind::MaxPayloadExceeded => {
                    return Err(self.too_large(id, payload.len(), e));
                }
                Err(_) => return self.spool_push(payload),
            }
        }
        match self.send(host, id, &payload) {
            Ok((ack, deadline)) => {
                self.in_flight.push_back(InFlight {
                    payload,
                    ack,
                    deadline,
                });
                while self.in_flight.len() >= self.cfg.max_in_flight {
                    self.await_oldest()?;
                }
                Ok(())
            }
            Err(e) if e.kind() == PublishErrorKind::MaxPayloadExceeded => {
                Err(self.too_large(id, payload.len(), e))
            }
            Err(e) => {
                self.mark_failing(format!("publishing failed: {e}"));
                self.spool_push(payload)
            }
        }
    }

    /// Awaits every outstanding acknowledgement, writes buffered spool lines,
    /// and, when connected, sends the spool. Returns how many spooled
    /// findings were sent. For daemons, to call now and then.
    pub fn flush(&mut self) -> Result<u64, FleetError> {
        self.drain()?;
        if self.link.is_none() && Instant::now() >= self.next_connect {
            return self.try_connect();
        }
        let connected = self.link.as_ref().is_some_and(|l| {
            l.client.connection_state() == async_nats::connection::State::Connected
        });
        if connected {
            // Also the way out of failing mode for a daemon with nothing new
            // to publish: a failure while sending the spool sets it again.
            self.failing = false;
            return self.flush_spool();
        }
        self.write_spool()?;
        Ok(0)
    }

    /// Awaits every acknowledgement; spools the rest.
    pub fn finish(mut self) -> Result<PublishSummary, FleetError> {
        self.close()?;
        Ok(std::mem::take(&mut self.summary))
    }

    fn close(&mut self) -> Result<(), FleetError> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        let drained = self.drain();
        let written = self.write_spool();
        if let Some(l) = self.link.take() {
            let _ = self.handle.block_on(async move {
                tokio::time::timeout(Duration::from_secs(1), l.client.flush()).await
            });
        }
        drained.and(written)
    }

    /// Connects; when that works, flushes the spool and returns how many
    /// spooled findings were sent.
    fn try_connect(&mut self) -> Result<u64, FleetError> {
        self.next_connect = Instant::now() + RECONNECT_EVERY;
        let (url, timeout) = (self.cfg.url.clone(), self.cfg.connect_timeout);
        let (stream, prefix) = (self.cfg.stream.clone(), self.cfg.subject_prefix.clone());
        let ack_timeout = self.cfg.ack_timeout;
        let res = self.handle.block_on(async move {
            let client = connect(&url, timeout).await?;
            let js = context(client.clone(), ack_timeout);
            ensure_stream(&js, &stream, &prefix).await?;
            Ok::<_, FleetError>(Link { client, js })
        });
        match res {
            Ok(link) => {
                self.link = Some(link);
                self.failing = false;
                self.flush_spool()
            }
            Err(e @ FleetError::Config(_)) => Err(e),
            Err(e) => {
                self.note(format!(
                    "{e}; findings are spooled to {} and sent when the server is back",
                    self.spool.path().display()
                ));
                Ok(0)
            }
        }
    }

    /// Sends one finding; returns its acknowledgement and until when to
    /// wait for it.
    fn send(
        &self,
        host: &str,
        id: &str,
        payload: &[u8],
    ) -> Result<(PublishAckFuture, Instant), PublishError> {
        let link = self
            .link
            .as_ref()
            .expect("send is called only when connected");
        let subject = subject_for(&self.cfg.subject_prefix, host);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let msg = async_nats::jetstream::message::PublishMessage::build()
            .payload(payload.to_vec().into())
            .message_id(message_id(host, id, payload))
            .header(PUBLISHED_AT_HEADER, nanos.to_string());
        let ack = self.handle.block_on(link.js.send_publish(subject, msg))?;
        Ok((ack, Instant::now() + self.cfg.ack_timeout))
    }

    /// Awaits an acknowledgement until its deadline (an answer already
    /// received is taken even when the deadline has passed).
    fn await_ack(
        &self,
        ack: PublishAckFuture,
        deadline: Instant,
    ) -> Result<PublishAck, PublishError> {
        let deadline = tokio::time::Instant::from_std(deadline);
        self.handle.block_on(async move {
            tokio::time::timeout_at(deadline, ack.into_future())
                .await
                .unwrap_or_else(|_| Err(PublishError::new(PublishErrorKind::TimedOut)))
        })
    }

    fn await_oldest(&mut self) -> Result<(), FleetError> {
        let Some(InFlight {
            payload,
            ack,
            deadline,
        }) = self.in_flight.pop_front()
        else {
            return Ok(());
        };
        match self.await_ack(ack, deadline) {
            Ok(_) => {
                self.summary.acked += 1;
                Ok(())
            }
            Err(e) => {
                self.mark_failing(format!("no acknowledgement from JetStream: {e}"));
                self.spool_push(payload)
            }
        }
    }

    fn drain(&mut self) -> Result<(), FleetError> {
        while !self.in_flight.is_empty() {
            self.await_oldest()?;
        }
        Ok(())
    }

    fn mark_failing(&mut self, why: String) {
        if !self.failing {
            self.failing = true;
            self.next_probe = Instant::now() + PROBE_EVERY;
        }
        self.note(format!(
            "{why}; findings are spooled to {} and sent when publishing works again",
            self.spool.path().display()
        ));
    }

    fn note(&mut self, why: String) {
        if self.summary.note.is_none() {
            self.summary.note = Some(why);
        }
    }

    fn too_large(&mut self, id: &str, len: usize, e: impl std::fmt::Display) -> FleetError {
        self.summary.lost += 1;
        let msg = format!("finding {id:?} ({len} bytes) cannot be published: {e}");
        self.note(msg.clone());
        FleetError::Other(msg)
    }

    fn spool_push(&mut self, payload: Vec<u8>) -> Result<(), FleetError> {
        if self.to_spool.is_empty() {
            self.spool_since = Instant::now();
        }
        self.to_spool.push(payload);
        if self.to_spool.len() >= SPOOL_BATCH || self.spool_since.elapsed() >= SPOOL_DELAY {
            self.write_spool()?;
        }
        Ok(())
    }

    fn write_spool(&mut self) -> Result<(), FleetError> {
        if self.to_spool.is_empty() {
            return Ok(());
        }
        let lines = std::mem::take(&mut self.to_spool);
        let n = lines.len() as u64;
        match self.spool.append(&lines) {
            Ok(()) => {
                self.summary.spooled += n;
                Ok(())
            }
            Err(e) => {
                self.summary.lost += n;
                self.note(format!("{n} findings lost: {e}"));
                Err(e)
            }
        }
    }

    /// Sends the spool (buffered lines first) and rewrites it with what is
    /// still unsent, all under the spool lock, one line in memory at a time
    /// (plus the acknowledgements in flight).
    fn flush_spool(&mut self) -> Result<u64, FleetError> {
        self.drain()?;
        self.write_spool()?;
        if self.spool.size() == 0 || self.link.is_none() {
            return Ok(0);
        }
        let spool = self.spool.clone();
        let lock = spool.lock()?;
        let lines = spool.lines(&lock)?;
        let mut out = spool.rewrite_start(&lock)?;
        let mut pending: VecDeque<InFlight> = VecDeque::new();
        let mut sending = true;
        let mut sent = 0u64;
        let mut bad_seen: Vec<usize> = Vec::new();
        let mut too_large = 0u64;
        for l in lines {
            let l = l.map_err(|source| FleetError::Spool {
                path: spool.path().to_owned(),
                what: "reading it",
                source,
            })?;
            let e = match l {
                SpoolLine::Bad(b) => {
                    if bad_seen.len() < 5 {
                        bad_seen.push(b.line);
                    }
                    out.set_aside(&b)?;
                    continue;
                }
                SpoolLine::Entry(e) => *e,
            };
            if !sending {
                out.keep(&e.raw)?;
                continue;
            }
            match self.send(&e.finding.host, &e.finding.id, &e.raw) {
                Ok((ack, deadline)) => pending.push_back(InFlight {
                    payload: e.raw,
                    ack,
                    deadline,
                }),
                Err(err) if err.kind() == PublishErrorKind::MaxPayloadExceeded => {
                    too_large += 1;
                    out.set_aside(&BadLine {
                        line: e.line,
                        reason: "larger than the server's max payload".into(),
                        torn: false,
                        raw: e.raw,
                    })?;
                }
                Err(err) => {
                    self.mark_failing(format!("sending the spool failed: {err}"));
                    sending = false;
                    out.keep(&e.raw)?;
                }
            }
            while pending.len() >= self.cfg.max_in_flight || (!sending && !pending.is_empty()) {
                sending &= self.await_flush_ack(&mut pending, &mut out, &mut sent)?;
            }
        }
        while !pending.is_empty() {
            self.await_flush_ack(&mut pending, &mut out, &mut sent)?;
        }
        let bad = out.bad_lines();
        let kept_at = spool.bad_path();
        out.commit()?;
        if bad > too_large {
            let n = bad - too_large;
            self.note(format!(
                "{n} spool lines are not findings (lines {}{}); moved to {}",
                bad_seen
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                if n as usize > bad_seen.len() {
                    ", ..."
                } else {
                    ""
                },
                kept_at.display()
            ));
        }
        if too_large > 0 {
            self.note(format!(
                "{too_large} spooled findings are larger than the server accepts; moved to {}",
                kept_at.display()
            ));
        }
        Ok(sent)
    }

    /// Awaits the oldest flush acknowledgement; an unacknowledged line is
    /// kept in the spool. False when it failed.
    fn await_flush_ack(
        &mut self,
        pending: &mut VecDeque<InFlight>,
        out: &mut SpoolRewrite<'_>,
        sent: &mut u64,
    ) -> Result<bool, FleetError> {
        let Some(InFlight {
            payload: raw,
            ack,
            deadline,
        }) = pending.pop_front()
        else {
            return Ok(true);
        };
        match self.await_ack(ack, deadline) {
            Ok(_) => {
                *sent += 1;
                self.summary.flushed += 1;
                Ok(true)
            }
            Err(e) => {
                self.mark_failing(format!("sending the spool: no acknowledgement: {e}"));
                out.keep(&raw)?;
                Ok(false)
            }
        }
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        // Dropped without `finish`: still keep what was not acknowledged.
        let _ = self.close();
        if let Some((stop, thread)) = self.driver.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}

/// The `Nats-Msg-Id` of a finding: host token, id and a SHA-256 prefix of
/// the exact payload, so an identical republish within the stream's
/// duplicate window is stored once and a changed finding is not mistaken
/// for a duplicate.
pub fn message_id(host: &str, id: &str, payload: &[u8]) -> String {
    let safe_id: String = id
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let sha = Sha256::digest(payload);
    format!(
        "{}:{}:{}",
        host_token(host),
        safe_id,
        hex::encode(&sha[..16])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nats_urls() {
        assert_eq!(
            parse_nats_url("nats://127.0.0.1").unwrap(),
            "nats://127.0.0.1:4222"
        );
        assert_eq!(parse_nats_url("NATS://h:4333/").unwrap(), "nats://h:4333");
        assert_eq!(parse_nats_url("nats://[::1]:5").unwrap(), "nats://[::1]:5");
        assert_eq!(parse_nats_url("nats://[::1]").unwrap(), "nats://[::1]:4222");
        for bad in [
            "http://h:4222",
            "tls://h",
            "h:4222",
            "nats://",
            "nats://h:0",
            "nats://h:99999",
            "nats://h:x",
            "nats://u:p@h",
            "nats://h/path",
            "nats://h h",
            "nats://::1",
        ] {
            assert!(parse_nats_url(bad).is_err(), "{bad}");
        }
        let e = parse_nats_url("http://h").unwrap_err().to_string();
        assert!(
            e.contains("unsupported scheme") && e.contains("nats://"),
            "{e}"
        );
    }

    #[test]
    fn message_ids_follow_host_id_and_payload() {
        let a = message_id("web.01", "abc", b"{}");
        assert_eq!(a, message_id("web.01", "abc", b"{}"));
        assert_ne!(a, message_id("web_01", "abc", b"{}"));
        assert_ne!(a, message_id("web.01", "abc", b"{ }"));
        assert!(!message_id("h", "a\r\nb", b"").contains(['\r', '\n']));
    }

    /// A publisher can move to the thread that uses it (a daemon's sink thread).
    #[test]
    fn publisher_is_send() {
        fn send<T: Send>() {}
        send::<Publisher>();
    }
}
