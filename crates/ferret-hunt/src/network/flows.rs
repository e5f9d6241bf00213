//! Connections (`_path = "conn"`) by originator and destination, and the flow
//! signals of web servers: rare destinations, shell ports, connections that
//! start right after a content hit, long-lived and beacon-like flows.
//!
//! Every originator's connections are kept (bounded), because which hosts are
//! web servers is only known once all HTTP transactions are in.

use super::config::{Limits, NetworkConfig};
use super::evidence::{min_time, Best, Evidence, Loc};
use super::transaction::{endpoint, Conn};
use super::{FindingKind, FlowRef, NetworkFinding, Signal};
use crate::weblog::sketch::{BoundedMin, Moments};
use ferret_core::Timestamp;
use std::collections::{BTreeSet, HashMap};

/// One destination of an originator's connections.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Dest {
    pub ip: String,
    pub port: Option<u64>,
    pub proto: String,
}

/// What an originator's connections to one destination looked like.
#[derive(Debug, Clone)]
pub(crate) struct DestStats {
    pub conns: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// The earliest start times (microseconds).
    pub starts: BoundedMin<i64>,
    /// The longest connection: weight = duration in microseconds; (seconds, originator port).
    pub longest: Option<Best<(f64, Option<u64>)>>,
    pub evidence: Evidence,
}

impl DestStats {
    fn new(limits: &Limits) -> DestStats {
        DestStats {
            conns: 0,
            first: None,
            last: None,
            starts: BoundedMin::new(limits.starts_per_flow),
            longest: None,
            evidence: Evidence::new(limits.evidence_first, limits.evidence_telling),
        }
    }

    fn merge(&mut self, o: DestStats) {
        self.conns += o.conns;
        self.first = min_time(self.first, o.first);
        self.last = self.last.max(o.last);
        self.starts.merge(o.starts);
        if let Some(l) = o.longest {
            Best::offer(&mut self.longest, l);
        }
        self.evidence.merge(o.evidence);
    }
}

/// Connections by originator address, then destination.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlowTable {
    pub hosts: HashMap<String, HashMap<Dest, DestStats>>,
    /// Destinations kept over all hosts.
    flows: usize,
    /// Connections not kept because a cap was reached.
    pub dropped: u64,
}

impl FlowTable {
    /// Counts one connection.
    pub(crate) fn observe(&mut self, limits: &Limits, c: &Conn<'_>, loc: Loc) {
        if !self.hosts.contains_key(c.orig_h.as_ref()) && self.hosts.len() >= limits.max_hosts {
            self.dropped += 1;
            return;
        }
        let dest = Dest {
            ip: c.resp_h.to_string(),
            port: c.resp_p,
            proto: c.proto.clone(),
        };
        let flows = &mut self.flows;
        let host = self.hosts.entry(c.orig_h.to_string()).or_default();
        if !host.contains_key(&dest) {
            if *flows >= limits.max_flows {
                self.dropped += 1;
                return;
            }
            *flows += 1;
            host.insert(dest.clone(), DestStats::new(limits));
        }
        let Some(d) = host.get_mut(&dest) else {
            return;
        };
        d.conns += 1;
        d.first = min_time(d.first, c.time);
        d.last = d.last.max(c.time);
        if let Some(t) = c.time {
            d.starts.insert(t.unix_micros());
        }
        let micros = c.duration.map_or(0, |s| (s * 1e6).min(1e15) as u64);
        if let Some(secs) = c.duration {
            Best::offer(
                &mut d.longest,
                Best {
                    weight: micros,
                    loc: loc.clone(),
                    item: (secs, c.orig_p),
                },
            );
        }
        d.evidence.add(&loc, micros);
    }

    /// Adds another table's connections.
    pub(crate) fn merge(&mut self, o: FlowTable, limits: &Limits) {
        self.dropped += o.dropped;
        for (host, dests) in o.hosts {
            if !self.hosts.contains_key(&host) && self.hosts.len() >= limits.max_hosts {
                self.dropped += dests.values().map(|d| d.conns).sum::<u64>();
                continue;
            }
            let mine = self.hosts.entry(host).or_default();
            for (dest, stats) in dests {
                if let Some(m) = mine.get_mut(&dest) {
                    m.merge(stats);
                } else if self.flows < limits.max_flows {
                    self.flows += 1;
                    mine.insert(dest, stats);
                } else {
                    self.dropped += stats.conns;
                }
            }
        }
    }
}

/// What the flow scoring knows about one web server address.
#[derive(Debug, Clone, Default)]
pub(crate) struct WebServer {
    /// Ports it served HTTP on.
    pub ports: BTreeSet<u64>,
    /// The first transaction to it with a content signal.
    pub first_hit: Option<Timestamp>,
    /// A Host header it was addressed by.
    pub host: Option<String>,
}

fn signal(name: &'static str, weight: f64, detail: String) -> Signal {
    Signal {
        name,
        weight,
        detail,
        excerpt: None,
    }
}

/// Flow findings for the connections web servers opened.
pub(crate) fn findings(
    cfg: &NetworkConfig,
    table: &FlowTable,
    servers: &HashMap<String, WebServer>,
) -> Vec<NetworkFinding> {
    let mut out = Vec::new();
    for (ip, web) in servers {
        let Some(dests) = table.hosts.get(ip) else {
            continue;
        };
        let mut per_ip: HashMap<&str, u64> = HashMap::new();
        for (d, s) in dests {
            *per_ip.entry(d.ip.as_str()).or_default() += s.conns;
        }
        for (d, s) in dests {
            if d.port
                .is_some_and(|p| u16::try_from(p).is_ok_and(|p| cfg.ignore_ports.contains(&p)))
            {
                continue;
            }
            let signals = flow_signals(
                cfg,
                web,
                d,
                s,
                per_ip.get(d.ip.as_str()).copied().unwrap_or(0),
            );
            let score: f64 = signals.iter().map(|s| s.weight).sum();
            if signals.is_empty() || score < cfg.threshold() {
                continue;
            }
            let longest = s.longest.as_ref();
            out.push(NetworkFinding {
                kind: FindingKind::Flow,
                server: ip.clone(),
                host: web.host.clone(),
                clients: Vec::new(),
                client_count: 0,
                uri: None,
                flow: Some(FlowRef {
                    orig: endpoint(ip, longest.and_then(|l| l.item.1)),
                    resp: endpoint(&d.ip, d.port),
                    proto: d.proto.clone(),
                    start: s.first,
                    duration: longest.map(|l| l.item.0),
                }),
                score,
                severity: cfg.severity_of(score),
                signals,
                excerpt: None,
                count: s.conns,
                first_seen: s.first,
                last_seen: s.last,
                telling: longest
                    .map(|l| l.loc.to_ref())
                    .or_else(|| s.evidence.refs().into_iter().next()),
                events: s.evidence.refs(),
            });
        }
    }
    out
}

fn flow_signals(
    cfg: &NetworkConfig,
    web: &WebServer,
    d: &Dest,
    s: &DestStats,
    ip_conns: u64,
) -> Vec<Signal> {
    let mut out = Vec::new();
    let port = d.port.map_or_else(|| "-".to_owned(), |p| p.to_string());
    let rare = ip_conns <= cfg.rare_destination.max_conns;
    if rare {
        out.push(signal(
            "rare_destination",
            cfg.rare_destination.weight,
            format!(
                "the web server connected to {} only {ip_conns} time(s) in the capture/log",
                d.ip
            ),
        ));
    }
    let shell_port = d
        .port
        .and_then(|p| u16::try_from(p).ok())
        .is_some_and(|p| cfg.shell_port.ports.contains(&p));
    if shell_port {
        out.push(signal(
            "shell_port",
            cfg.shell_port.weight,
            format!(
                "destination port {port}/{} is one reverse shells and tunnels favour",
                d.proto
            ),
        ));
    }
    if let (Some(hit), Some(first)) = (web.first_hit, s.first) {
        let after = first.unix_micros().saturating_sub(hit.unix_micros());
        let window = i64::try_from(cfg.after_content.window_secs.saturating_mul(1_000_000))
            .unwrap_or(i64::MAX);
        if (0..=window).contains(&after) {
            out.push(signal(
                "after_content",
                cfg.after_content.weight,
                format!(
                    "the first connection began {:.0} s after a web-shell-like transaction to this server (at {})",
                    after as f64 / 1e6,
                    hit.to_rfc3339()
                ),
            ));
        }
    }
    if let Some(l) = &s.longest {
        if (rare || shell_port) && l.item.0 >= cfg.long_lived.min_duration_secs {
            out.push(signal(
                "long_lived",
                cfg.long_lived.weight,
                format!(
                    "a connection to {} lasted {:.0} s",
                    endpoint(&d.ip, d.port),
                    l.item.0
                ),
            ));
        }
    }
    out.extend(beacon(cfg, d, s));
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.name.cmp(b.name)));
    out
}

fn beacon(cfg: &NetworkConfig, d: &Dest, s: &DestStats) -> Option<Signal> {
    let b = &cfg.beacon;
    let starts: Vec<i64> = s.starts.iter().copied().collect();
    if (starts.len() as u64) < b.min_conns {
        return None;
    }
    let mut gaps = Moments::default();
    for w in starts.windows(2) {
        gaps.add(u64::try_from(w[1].saturating_sub(w[0])).unwrap_or(0));
    }
    let mean = gaps.mean()? / 1e6;
    let cv = gaps.cv()?;
    (mean >= b.min_interval_secs && cv <= b.max_jitter).then(|| {
        signal(
            "beacon",
            b.weight,
            format!(
                "{} connections to {} at a regular interval of {mean:.1} s (coefficient of variation {cv:.2})",
                s.conns,
                endpoint(&d.ip, d.port)
            ),
        )
    })
}
