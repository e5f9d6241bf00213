//! Per-server and per-URI statistics of HTTP transactions. Everything is a
//! count, a minimum, a maximum or a bounded smallest-items set, so the result
//! does not depend on the order transactions arrive in, and merging two
//! halves equals one whole.

use super::config::Limits;
use super::content::{ContentSignal, Hit};
use super::evidence::{milli, min_time, Best, Evidence, Loc};
use super::transaction::{Method, Txn};
use super::FlowRef;
use crate::weblog::sketch::{stable_hash, BoundedMin, ClientMap, DistinctSketch};
use ferret_core::Timestamp;
use std::collections::HashMap;

/// Host headers kept per URI.
const HOSTS_PER_URI: usize = 4;

/// One content signal over the transactions of a URI.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SignalAgg {
    /// Transactions that showed it.
    pub count: u64,
    /// The earliest transaction that showed it: (detail, excerpt).
    pub first: Best<(String, String)>,
}

/// What the most telling transaction of a URI was.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TellingTxn {
    pub excerpt: String,
    pub flow: FlowRef,
}

/// What one URI of one server received.
#[derive(Debug, Clone)]
pub(crate) struct UriStats {
    pub script: bool,
    pub transactions: u64,
    pub posts: u64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub hosts: BoundedMin<String>,
    /// Clients (requests, POSTs, request body sizes of POSTs).
    pub clients: ClientMap,
    /// Per content signal (index of [`ContentSignal::ALL`]).
    pub signals: Vec<Option<SignalAgg>>,
    /// Transactions with at least one content signal.
    pub telling: u64,
    /// Distinct clients of those transactions (exact up to a few).
    pub telling_clients: DistinctSketch,
    pub first_telling: Option<Timestamp>,
    pub best: Option<Best<TellingTxn>>,
    pub evidence: Evidence,
}

impl UriStats {
    fn new(script: bool, limits: &Limits) -> UriStats {
        UriStats {
            script,
            transactions: 0,
            posts: 0,
            first_seen: None,
            last_seen: None,
            hosts: BoundedMin::new(HOSTS_PER_URI),
            clients: ClientMap::new(limits.clients_per_uri),
            signals: Vec::new(),
            telling: 0,
            telling_clients: DistinctSketch::new(8),
            first_telling: None,
            best: None,
            evidence: Evidence::new(limits.evidence_first, limits.evidence_telling),
        }
    }

    fn observe(
        &mut self,
        cfg_weight: &dyn Fn(ContentSignal) -> f64,
        t: &Txn<'_>,
        hits: Vec<Hit>,
        loc: Loc,
    ) {
        self.transactions += 1;
        self.first_seen = min_time(self.first_seen, t.time);
        self.last_seen = self.last_seen.max(t.time);
        if let Some(h) = &t.host {
            self.hosts.insert(h.clone());
        }
        if t.method == Method::Post {
            self.posts += 1;
        }
        if let Some(slot) = t.client.as_deref().and_then(|c| self.clients.slot(c)) {
            slot.requests += 1;
            if t.method == Method::Post {
                slot.posts += 1;
                if let Some(n) = t.req_len {
                    slot.sizes.add(n);
                }
            }
        }
        let weight = milli(hits.iter().map(|h| cfg_weight(h.signal)).sum());
        self.evidence.add(&loc, weight);
        if hits.is_empty() {
            return;
        }
        self.telling += 1;
        self.first_telling = min_time(self.first_telling, t.time);
        if let Some(c) = t.client.as_deref() {
            self.telling_clients.insert(stable_hash(c));
        }
        if self.signals.len() < ContentSignal::ALL.len() {
            self.signals.resize(ContentSignal::ALL.len(), None);
        }
        // The heaviest hit's excerpt tells most about the transaction.
        let excerpt = hits
            .iter()
            .max_by(|a, b| {
                cfg_weight(a.signal)
                    .total_cmp(&cfg_weight(b.signal))
                    .then(b.signal.cmp(&a.signal))
            })
            .map(|h| h.excerpt.clone())
            .unwrap_or_default();
        for h in hits {
            let Some(slot) = self.signals.get_mut(h.signal as usize) else {
                continue;
            };
            let first = Best {
                weight: 0,
                loc: loc.clone(),
                item: (h.detail, h.excerpt),
            };
            match slot {
                Some(agg) => {
                    agg.count += 1;
                    Best::offer_some(&mut agg.first, first);
                }
                None => *slot = Some(SignalAgg { count: 1, first }),
            }
        }
        Best::offer(
            &mut self.best,
            Best {
                weight,
                loc,
                item: TellingTxn {
                    excerpt,
                    flow: FlowRef::of_txn(t),
                },
            },
        );
    }

    fn merge(&mut self, o: UriStats) {
        self.script |= o.script;
        self.transactions += o.transactions;
        self.posts += o.posts;
        self.first_seen = min_time(self.first_seen, o.first_seen);
        self.last_seen = self.last_seen.max(o.last_seen);
        self.hosts.merge(o.hosts);
        self.clients.merge(o.clients);
        if self.signals.len() < o.signals.len() {
            self.signals.resize(o.signals.len(), None);
        }
        for (mine, theirs) in self.signals.iter_mut().zip(o.signals) {
            match (mine.as_mut(), theirs) {
                (_, None) => {}
                (None, t) => *mine = t,
                (Some(m), Some(t)) => {
                    m.count += t.count;
                    Best::offer_some(&mut m.first, t.first);
                }
            }
        }
        self.telling += o.telling;
        self.telling_clients.merge(o.telling_clients);
        self.first_telling = min_time(self.first_telling, o.first_telling);
        if let Some(b) = o.best {
            Best::offer(&mut self.best, b);
        }
        self.evidence.merge(o.evidence);
    }
}

impl<T> Best<T> {
    /// Keeps the better of `slot` and `new` (a slot that is always filled).
    fn offer_some(slot: &mut Best<T>, new: Best<T>) {
        if (std::cmp::Reverse(new.weight), &new.loc) < (std::cmp::Reverse(slot.weight), &slot.loc) {
            *slot = new;
        }
    }
}

/// What one server (`ip:port`) received.
#[derive(Debug, Clone)]
pub(crate) struct ServerStats {
    pub transactions: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub clients: DistinctSketch,
    /// Distinct URI stems, kept or not.
    pub uri_count: DistinctSketch,
    pub uris: HashMap<String, UriStats>,
    /// Transactions to URIs beyond the per-server cap.
    pub dropped: u64,
}

impl ServerStats {
    pub(crate) fn new(limits: &Limits) -> ServerStats {
        ServerStats {
            transactions: 0,
            first: None,
            last: None,
            clients: DistinctSketch::new(limits.server_sketch),
            uri_count: DistinctSketch::new(limits.server_sketch),
            uris: HashMap::new(),
            dropped: 0,
        }
    }

    /// Counts one transaction; keeps URI statistics for scripts and for URIs
    /// with content hits.
    pub(crate) fn observe(
        &mut self,
        limits: &Limits,
        weight: &dyn Fn(ContentSignal) -> f64,
        t: &Txn<'_>,
        script: bool,
        hits: Vec<Hit>,
        loc: Loc,
    ) {
        self.transactions += 1;
        self.first = min_time(self.first, t.time);
        self.last = self.last.max(t.time);
        if let Some(c) = t.client.as_deref() {
            self.clients.insert(stable_hash(c));
        }
        self.uri_count.insert(stable_hash(&t.uri));
        // Other URIs count only their telling transactions, whatever the order.
        if !script && hits.is_empty() {
            return;
        }
        if !self.uris.contains_key(&t.uri) {
            if self.uris.len() >= limits.max_uris_per_server {
                self.dropped += 1;
                return;
            }
            self.uris
                .insert(t.uri.clone(), UriStats::new(script, limits));
        }
        if let Some(u) = self.uris.get_mut(&t.uri) {
            u.observe(weight, t, hits, loc);
        }
    }

    /// Adds another analyzer's view of the same server.
    pub(crate) fn merge(&mut self, o: ServerStats, limits: &Limits) {
        self.transactions += o.transactions;
        self.first = min_time(self.first, o.first);
        self.last = self.last.max(o.last);
        self.clients.merge(o.clients);
        self.uri_count.merge(o.uri_count);
        self.dropped += o.dropped;
        for (uri, stats) in o.uris {
            if let Some(mine) = self.uris.get_mut(&uri) {
                mine.merge(stats);
            } else if self.uris.len() < limits.max_uris_per_server {
                self.uris.insert(uri, stats);
            } else {
                self.dropped += stats.transactions;
            }
        }
    }
}
