//! Web-log analysis for web shells, beyond per-line rules.
//!
//! Per site (Host header, else server address and port, else the log's
//! directory) and per script-like URI, the analyzer keeps compact,
//! order-independent statistics; [`WeblogAnalyzer::finish`] scores each URI
//! against its site's context. Signals: known web-shell parameter shapes,
//! scripts that appear or start taking POSTs well after the log starts, a
//! script used by one or two clients of a busy site, successful scripts under
//! `/aspnet_client/` or `/owa/auth/`, response sizes that swing for one client,
//! many POSTs from few clients, missing Referers and web-shell file names.
//! Weights, thresholds and shapes are data (`rules/weblog/signals.toml`).
//! Only successful responses count, so a scanner's 404 probes never score.

mod config;
pub(crate) mod request;
mod score;
pub(crate) mod shapes;
pub(crate) mod sketch;
mod stats;

pub use config::{WeblogConfig, WeblogError};

use ferret_core::{Event, Severity, Timestamp};
use request::{Candidate, Method, Request};
use shapes::ParsedQuery;
use stats::{LineRef, SiteStats, Telling};
use std::collections::HashMap;
use std::sync::Arc;

/// Clients named in a finding.
const MAX_FINDING_CLIENTS: usize = 10;

/// One reason a URI looks like a web shell.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// Stable name (`param_shape`, `new_script`, `few_clients`...).
    pub name: &'static str,
    /// What it adds to the URI's score.
    pub weight: f64,
    /// What was seen, in words, with numbers. Contains log text (URIs, client
    /// addresses) unescaped: printers escape it.
    pub detail: String,
}

/// A URI whose web-log pattern scored at or above the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct WeblogFinding {
    /// The site key: Host header, else `server-ip:port`, else the log's directory.
    pub site: String,
    /// The URI stem (decoded; lowercase for IIS logs).
    pub uri: String,
    /// The sum of the signals' weights.
    pub score: f64,
    /// From the score bands of the settings.
    pub severity: Severity,
    /// Every signal, heaviest first.
    pub signals: Vec<Signal>,
    /// Clients of successful requests, busiest first (at most 10).
    pub clients: Vec<String>,
    /// Distinct clients of successful requests (estimated above the per-URI cap).
    pub client_count: u64,
    /// Requests to the URI, whatever their status.
    pub requests: u64,
    /// The first request to the URI.
    pub first_seen: Option<Timestamp>,
    /// The last request to the URI.
    pub last_seen: Option<Timestamp>,
    /// Log lines (path, 1-based line): the earliest and the most telling, in
    /// time order (at most 20).
    pub lines: Vec<(String, u64)>,
}

/// Collects web requests and scores URIs. One per worker thread; merge them
/// before [`finish`](Self::finish). Results do not depend on the order
/// events arrive in (except which URIs are dropped once a cap is reached).
#[derive(Debug)]
pub struct WeblogAnalyzer {
    cfg: Arc<WeblogConfig>,
    sites: HashMap<String, SiteStats>,
    requests: u64,
    /// Requests not kept because a site or URI cap was reached.
    dropped: u64,
    /// Log paths, shared by the evidence lines that name them.
    paths: HashMap<String, Arc<str>>,
}

impl WeblogAnalyzer {
    /// An empty analyzer using `cfg`.
    pub fn new(cfg: Arc<WeblogConfig>) -> WeblogAnalyzer {
        WeblogAnalyzer {
            cfg,
            sites: HashMap::new(),
            requests: 0,
            dropped: 0,
            paths: HashMap::new(),
        }
    }

    /// Takes one event; ignores non-web formats. Events may arrive in any
    /// order (several threads and files).
    pub fn observe(&mut self, event: &Event) {
        if !event.format.is_web() {
            return;
        }
        self.requests += 1;
        let cfg = Arc::clone(&self.cfg);
        let Some(req) = Request::from_event(event, cfg.limits.max_uri_len) else {
            return;
        };
        if !self.sites.contains_key(req.site.as_ref()) {
            if self.sites.len() >= cfg.limits.max_sites {
                self.dropped += 1;
                return;
            }
            self.sites
                .insert(req.site.clone().into_owned(), SiteStats::new(&cfg.limits));
        }
        let Some(site) = self.sites.get_mut(req.site.as_ref()) else {
            return;
        };
        site.note(&req);
        let Some(candidate) = Candidate::of(&req.uri, &cfg.script_extensions, &cfg.special_dirs)
        else {
            return;
        };
        let shapes: Vec<usize> = match (&req.query, req.ok) {
            (Some(q), true) => {
                let parsed = ParsedQuery::parse(q, cfg.limits.max_query_len);
                cfg.shapes
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.matches(&parsed))
                    .map(|(i, _)| i)
                    .collect()
            }
            _ => Vec::new(),
        };
        let telling = match (req.ok, req.method) {
            (true, _) if !shapes.is_empty() => Telling::Shape,
            (true, Method::Post) => Telling::SuccessfulPost,
            (true, _) => Telling::Success,
            (false, _) => Telling::Failed,
        };
        let line = event.source.line.map(|line| LineRef {
            time: req.time,
            path: intern(&mut self.paths, &event.source.path),
            line,
            telling,
        });
        let before = site.dropped;
        site.observe_candidate(
            &req,
            candidate,
            &shapes,
            cfg.shapes.len(),
            line,
            &cfg.limits,
        );
        self.dropped += site.dropped - before;
    }

    /// Adds another analyzer's requests (built with the same settings).
    pub fn merge(&mut self, other: WeblogAnalyzer) {
        self.requests += other.requests;
        self.dropped += other.dropped;
        for (key, site) in other.sites {
            if let Some(mine) = self.sites.get_mut(&key) {
                let before = mine.dropped;
                mine.merge(site, &self.cfg.limits);
                self.dropped += mine.dropped - before;
            } else if self.sites.len() < self.cfg.limits.max_sites {
                self.sites.insert(key, site);
            } else {
                self.dropped += site.requests;
            }
        }
    }

    /// Web requests seen (events of web formats).
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Requests not analysed because a site or URI cap was reached; when not
    /// zero, findings may depend on input order.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Scores every URI and returns findings, highest score first.
    pub fn finish(self) -> Vec<WeblogFinding> {
        let cfg = &self.cfg;
        let mut out = Vec::new();
        for (site_key, site) in &self.sites {
            let ctx = score::SiteContext::of(site);
            for (uri, u) in &site.uris {
                let mut signals = score::signals(cfg, &ctx, uri, u);
                let total: f64 = signals.iter().map(|s| s.weight).sum();
                if signals.is_empty() || total < cfg.threshold() {
                    continue;
                }
                signals.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.name.cmp(b.name)));
                let mut clients: Vec<(&str, u64)> =
                    u.clients.iter().map(|(n, s)| (n, s.requests)).collect();
                clients.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                out.push(WeblogFinding {
                    site: site_key.clone(),
                    uri: uri.clone(),
                    score: total,
                    severity: cfg.severity_of(total),
                    signals,
                    clients: clients
                        .into_iter()
                        .take(MAX_FINDING_CLIENTS)
                        .map(|(n, _)| n.to_owned())
                        .collect(),
                    client_count: u.clients.count(),
                    requests: u.requests,
                    first_seen: u.first_seen,
                    last_seen: u.last_seen,
                    lines: u.lines(),
                });
            }
        }
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.site.cmp(&b.site))
                .then_with(|| a.uri.cmp(&b.uri))
        });
        out
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
