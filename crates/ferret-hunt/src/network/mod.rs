//! Network analysis for web shells: content and flow signals over HTTP
//! transactions and connections from packet captures and Zeek logs
//! (`LogFormat::Pcap`/`Zeek`, `_path` `http` and `conn`; see
//! `docs/network-fields.md`).
//!
//! Content: each HTTP transaction is checked for script code in parameters,
//! commands, command output, and the habits of China Chopper, AntSword,
//! Behinder and Godzilla (encrypted field-less bodies, framed responses,
//! fixed headers); hits are combined per (server `ip:port`, URI stem) with
//! signals about the URI as a whole (new on its server, one client, a session
//! of telling transactions). Flow: connections a web server opens itself
//! (rare destinations, shell ports, right after a content hit, long-lived,
//! beacon-like). Weights, thresholds and patterns are data
//! (`rules/network/signals.toml`). Captures give bodies and headers, Zeek logs
//! do not: on Zeek logs only the query, User-Agent and flow signals can fire.
//!
//! Like [`crate::weblog`], statistics are order-independent: one analyzer per
//! worker thread, merged before [`NetworkAnalyzer::finish`].

mod config;
mod content;
mod decode;
mod evidence;
mod families;
mod flows;
mod score;
mod servers;
mod transaction;

pub use config::{NetworkConfig, NetworkError};

use crate::weblog::shapes::cut;
use evidence::Loc;
use ferret_core::{Event, Severity, Timestamp};
use servers::ServerStats;
use std::collections::HashMap;
use std::sync::Arc;
use transaction::{endpoint, path_of, Conn, Path, Txn};

/// Clients named in a finding.
const MAX_FINDING_CLIENTS: usize = 10;

/// One reason a URI or flow looks like web-shell traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// Stable name (`encrypted_body`, `command_output`, `rare_destination`...).
    pub name: &'static str,
    /// What it adds to the score.
    pub weight: f64,
    /// What was seen, in words, with numbers. Contains captured text
    /// unescaped: printers escape it.
    pub detail: String,
    /// The telling bytes of the first transaction that showed it (content
    /// signals; at most 200 characters, unescaped).
    pub excerpt: Option<String>,
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// HTTP transactions to one URI of one server.
    Content,
    /// Connections a web server opened to one destination.
    Flow,
}

/// One connection: originator, responder, protocol, start and duration.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRef {
    /// Originator `ip:port`.
    pub orig: String,
    /// Responder `ip:port`.
    pub resp: String,
    /// `tcp`, `udp`, `icmp`.
    pub proto: String,
    /// When it started.
    pub start: Option<Timestamp>,
    /// How long it lasted, in seconds (unknown for HTTP transactions).
    pub duration: Option<f64>,
}

impl FlowRef {
    fn of_txn(t: &Txn<'_>) -> FlowRef {
        FlowRef {
            orig: endpoint(t.client.as_deref().unwrap_or("-"), t.client_port),
            resp: t.server.clone(),
            proto: "tcp".to_owned(),
            start: t.time,
            duration: None,
        }
    }
}

/// Where one event is: the capture's packet number or the log's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRef {
    /// The capture or log file.
    pub path: String,
    /// The capture's 1-based packet number.
    pub record_id: Option<u64>,
    /// The Zeek log's 1-based line.
    pub line: Option<u64>,
    /// The event's time.
    pub time: Option<Timestamp>,
}

/// A URI or a flow whose network evidence scored at or above the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkFinding {
    /// Content (transactions to a URI) or flow (connections a server opened).
    pub kind: FindingKind,
    /// The server: `ip:port` for content, the web server's address for flows.
    pub server: String,
    /// A Host header the server was addressed by (the smallest seen).
    pub host: Option<String>,
    /// Clients of the URI, busiest first (at most 10; empty for flows).
    pub clients: Vec<String>,
    /// Distinct clients of the URI (estimated above the per-URI cap).
    pub client_count: u64,
    /// The URI stem (content findings).
    pub uri: Option<String>,
    /// The flow: for flow findings the connection (longest one's ports and
    /// duration, first start); for content, the most telling transaction's.
    pub flow: Option<FlowRef>,
    /// The sum of the signals' weights.
    pub score: f64,
    /// From the score bands of the settings.
    pub severity: Severity,
    /// Every signal, heaviest first.
    pub signals: Vec<Signal>,
    /// The telling bytes of the most telling transaction (a parameter, body
    /// or response snippet; at most 200 characters, unescaped).
    pub excerpt: Option<String>,
    /// Transactions to the URI, or connections to the destination.
    pub count: u64,
    /// The first transaction or connection.
    pub first_seen: Option<Timestamp>,
    /// The last transaction or connection.
    pub last_seen: Option<Timestamp>,
    /// The most telling event.
    pub telling: Option<EventRef>,
    /// The earliest and the most telling events, in time order (at most 20).
    pub events: Vec<EventRef>,
}

/// Collects HTTP transactions and connections of captures and Zeek logs and
/// scores URIs and flows. One per worker thread; merge them before
/// [`finish`](Self::finish). Results do not depend on the order events
/// arrive in (except what is dropped once a cap is reached).
#[derive(Debug)]
pub struct NetworkAnalyzer {
    cfg: Arc<NetworkConfig>,
    servers: HashMap<String, ServerStats>,
    flows: flows::FlowTable,
    transactions: u64,
    conns: u64,
    dropped: u64,
    /// Log paths, shared by the evidence events that name them.
    paths: HashMap<String, Arc<str>>,
}

impl NetworkAnalyzer {
    /// An empty analyzer using `cfg`.
    pub fn new(cfg: Arc<NetworkConfig>) -> NetworkAnalyzer {
        NetworkAnalyzer {
            cfg,
            servers: HashMap::new(),
            flows: flows::FlowTable::default(),
            transactions: 0,
            conns: 0,
            dropped: 0,
            paths: HashMap::new(),
        }
    }

    /// Takes one event; ignores other formats and logs. Events may arrive in
    /// any order (several threads and files).
    pub fn observe(&mut self, event: &Event) {
        let Some(path) = path_of(event) else {
            return;
        };
        let loc = Loc {
            time: evidence::time_key(event.time),
            path: intern(&mut self.paths, &event.source.path),
            record_id: event.source.record_id,
            line: event.source.line,
        };
        let cfg = Arc::clone(&self.cfg);
        match path {
            Path::Http => {
                self.transactions += 1;
                let t = Txn::from_event(event, cfg.limits.max_uri_len);
                if !self.servers.contains_key(&t.server) {
                    if self.servers.len() >= cfg.limits.max_servers {
                        self.dropped += 1;
                        return;
                    }
                    self.servers
                        .insert(t.server.clone(), ServerStats::new(&cfg.limits));
                }
                let script = t.is_script(&cfg.script_extensions);
                let hits = content::analyze(&cfg, &t);
                if let Some(s) = self.servers.get_mut(&t.server) {
                    let before = s.dropped;
                    s.observe(&cfg.limits, &|sig| sig.weight(&cfg), &t, script, hits, loc);
                    self.dropped += s.dropped - before;
                }
            }
            Path::Conn => {
                self.conns += 1;
                if let Some(c) = Conn::from_event(event) {
                    let before = self.flows.dropped;
                    self.flows.observe(&cfg.limits, &c, loc);
                    self.dropped += self.flows.dropped - before;
                }
            }
        }
    }

    /// Adds another analyzer's events (built with the same settings).
    pub fn merge(&mut self, other: NetworkAnalyzer) {
        let limits = &self.cfg.limits;
        self.transactions += other.transactions;
        self.conns += other.conns;
        self.dropped += other.dropped;
        for (key, server) in other.servers {
            if let Some(mine) = self.servers.get_mut(&key) {
                let before = mine.dropped;
                mine.merge(server, limits);
                self.dropped += mine.dropped - before;
            } else if self.servers.len() < limits.max_servers {
                self.servers.insert(key, server);
            } else {
                self.dropped += server.transactions;
            }
        }
        let before = self.flows.dropped + other.flows.dropped;
        self.flows.merge(other.flows, limits);
        self.dropped += self.flows.dropped - before;
    }

    /// HTTP transactions seen (`_path = "http"` events of captures and Zeek logs).
    pub fn transactions(&self) -> u64 {
        self.transactions
    }

    /// Connections seen (`_path = "conn"` events).
    pub fn conns(&self) -> u64 {
        self.conns
    }

    /// Events not analysed because a cap was reached; when not zero, findings
    /// may depend on input order.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Scores every URI and web-server flow; findings highest score first.
    pub fn finish(self) -> Vec<NetworkFinding> {
        let cfg = &self.cfg;
        let mut out = Vec::new();
        let mut web: HashMap<String, flows::WebServer> = HashMap::new();
        for (key, server) in &self.servers {
            let ctx = score::ServerContext::of(server);
            let mut first_hit = None;
            let mut host: Option<&String> = None;
            for (uri, u) in &server.uris {
                first_hit = evidence::min_time(first_hit, u.first_telling);
                if let Some(h) = u.hosts.iter().next() {
                    host = Some(host.map_or(h, |old| old.min(h)));
                }
                if let Some(f) = content_finding(cfg, &ctx, key, uri, u) {
                    out.push(f);
                }
            }
            if let Some((ip, port)) = split_endpoint(key) {
                let w = web.entry(ip.to_owned()).or_default();
                w.ports.extend(port);
                w.first_hit = evidence::min_time(w.first_hit, first_hit);
                if let Some(h) = host {
                    if w.host.as_ref().is_none_or(|old| h < old) {
                        w.host = Some(h.clone());
                    }
                }
            }
        }
        out.extend(flows::findings(cfg, &self.flows, &web));
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.server.cmp(&b.server))
                .then_with(|| a.uri.cmp(&b.uri))
                .then_with(|| {
                    let resp = |f: &NetworkFinding| {
                        f.flow.as_ref().map(|x| (x.resp.clone(), x.proto.clone()))
                    };
                    resp(a).cmp(&resp(b))
                })
        });
        out
    }
}

fn content_finding(
    cfg: &NetworkConfig,
    ctx: &score::ServerContext,
    server: &str,
    uri: &str,
    u: &servers::UriStats,
) -> Option<NetworkFinding> {
    let signals = score::signals(cfg, ctx, u);
    let total: f64 = signals.iter().map(|s| s.weight).sum();
    if signals.is_empty() || total < cfg.threshold() {
        return None;
    }
    let mut clients: Vec<(&str, u64)> = u.clients.iter().map(|(n, s)| (n, s.requests)).collect();
    clients.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let best = u.best.as_ref();
    Some(NetworkFinding {
        kind: FindingKind::Content,
        server: server.to_owned(),
        host: u.hosts.iter().next().cloned(),
        clients: clients
            .into_iter()
            .take(MAX_FINDING_CLIENTS)
            .map(|(n, _)| n.to_owned())
            .collect(),
        client_count: u.clients.count(),
        uri: Some(uri.to_owned()),
        flow: best.map(|b| b.item.flow.clone()),
        score: total,
        severity: cfg.severity_of(total),
        signals,
        excerpt: best
            .map(|b| cut(&b.item.excerpt, 4 * decode::MAX_EXCERPT_CHARS).to_owned())
            .filter(|e| !e.is_empty()),
        count: u.transactions,
        first_seen: u.first_seen,
        last_seen: u.last_seen,
        telling: best.map(|b| b.loc.to_ref()),
        events: u.evidence.refs(),
    })
}

/// `ip` and port of an `ip:port` or `[v6]:port` key.
fn split_endpoint(key: &str) -> Option<(&str, Option<u64>)> {
    if let Some(rest) = key.strip_prefix('[') {
        let (ip, port) = rest.split_once("]:")?;
        return Some((ip, port.parse().ok()));
    }
    match key.rsplit_once(':') {
        Some((ip, port)) if !ip.contains(':') => Some((ip, port.parse().ok())),
        _ if key.contains('.') || key.contains(':') => Some((key, None)),
        _ => None,
    }
}

/// The shared copy of `path`.
fn intern(paths: &mut HashMap<String, Arc<str>>, path: &str) -> Arc<str> {
    if let Some(p) = paths.get(path) {
        return Arc::clone(p);
    }
    let p: Arc<str> = Arc::from(path);
    paths.insert(path.to_owned(), Arc::clone(&p));
    p
}

#[cfg(test)]
mod tests;
