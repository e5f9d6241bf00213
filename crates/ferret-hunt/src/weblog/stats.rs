//! Per-site and per-URI statistics. Everything here is a count, a minimum, a
//! maximum or a bounded smallest-items set, so the result does not depend on
//! the order requests arrive in, and merging two halves equals one whole.

use super::config::Limits;
use super::request::{Candidate, Method, Request};
use super::sketch::{stable_hash, BoundedMin, ClientMap, DistinctSketch, Moments};
use ferret_core::Timestamp;
use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::Arc;

/// The earlier of two optional instants.
fn min_time(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The later of two optional instants.
fn max_time(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    a.max(b)
}

/// Sort key for an optional instant: unknown times sort last.
fn time_key(t: Option<Timestamp>) -> i64 {
    t.map_or(i64::MAX, Timestamp::unix_micros)
}

/// How telling one evidence line is (higher is more telling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Telling {
    /// A request that failed.
    Failed,
    /// A successful request.
    Success,
    /// A successful POST.
    SuccessfulPost,
    /// A successful request whose query has a web-shell shape.
    Shape,
}

/// Where one request was logged, with its time and how telling it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineRef {
    pub time: Option<Timestamp>,
    pub path: Arc<str>,
    pub line: u64,
    pub telling: Telling,
}

/// Sort key of the earliest lines: time, path, line.
type EarlyKey = (i64, Arc<str>, u64);

/// Sort key of the most telling lines: most telling, then latest, then path and line.
type TellingKey = (Reverse<Telling>, Reverse<i64>, Arc<str>, u64);

/// The evidence lines of one URI: the earliest, and the most telling (latest
/// first among equally telling ones), so both ends of the activity show.
#[derive(Debug, Clone)]
struct Evidence {
    earliest: BoundedMin<EarlyKey>,
    telling: BoundedMin<TellingKey>,
}

impl Evidence {
    fn new(limits: &Limits) -> Evidence {
        Evidence {
            earliest: BoundedMin::new(limits.evidence_first),
            telling: BoundedMin::new(limits.evidence_telling),
        }
    }

    fn add(&mut self, r: &LineRef) {
        let t = time_key(r.time);
        self.earliest.insert((t, r.path.clone(), r.line));
        self.telling
            .insert((Reverse(r.telling), Reverse(t), r.path.clone(), r.line));
    }

    fn merge(&mut self, o: Evidence) {
        self.earliest.merge(o.earliest);
        self.telling.merge(o.telling);
    }

    /// All kept lines, in time order, without repeats.
    fn lines(&self) -> Vec<(String, u64)> {
        let mut all: Vec<EarlyKey> = self
            .earliest
            .iter()
            .cloned()
            .chain(self.telling.iter().map(|(_, t, p, l)| (t.0, p.clone(), *l)))
            .collect();
        all.sort();
        all.dedup();
        all.into_iter()
            .map(|(_, p, l)| (p.to_string(), l))
            .collect()
    }
}

/// What one candidate URI of one site received.
#[derive(Debug, Clone)]
pub(crate) struct UriStats {
    pub candidate: Candidate,
    /// Every request, whatever its status.
    pub requests: u64,
    pub reads: u64,
    pub posts: u64,
    pub other_methods: u64,
    /// Successful requests (2xx, or no status logged).
    pub ok: u64,
    pub ok_posts: u64,
    /// Successful requests that carried a Referer.
    pub ok_with_referer: u64,
    /// Successful requests whose Referer names another page.
    pub ok_referred_elsewhere: u64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub first_ok: Option<Timestamp>,
    pub first_ok_read: Option<Timestamp>,
    pub first_ok_post: Option<Timestamp>,
    /// Sizes of successful responses.
    pub sizes: Moments,
    /// Clients of successful requests.
    pub clients: ClientMap,
    /// Successful requests per shape (index into the settings' shapes); empty
    /// until the first hit.
    pub shape_hits: Vec<u64>,
    evidence: Evidence,
}

impl UriStats {
    fn new(candidate: Candidate, limits: &Limits) -> UriStats {
        UriStats {
            candidate,
            requests: 0,
            reads: 0,
            posts: 0,
            other_methods: 0,
            ok: 0,
            ok_posts: 0,
            ok_with_referer: 0,
            ok_referred_elsewhere: 0,
            first_seen: None,
            last_seen: None,
            first_ok: None,
            first_ok_read: None,
            first_ok_post: None,
            sizes: Moments::default(),
            clients: ClientMap::new(limits.clients_per_uri),
            shape_hits: Vec::new(),
            evidence: Evidence::new(limits),
        }
    }

    /// Counts one request; `shapes` are the indexes of the shapes its query matched.
    fn observe(
        &mut self,
        r: &Request<'_>,
        shapes: &[usize],
        shape_count: usize,
        line: Option<LineRef>,
    ) {
        self.requests += 1;
        match r.method {
            Method::Read => self.reads += 1,
            Method::Post => self.posts += 1,
            Method::Other => self.other_methods += 1,
        }
        self.first_seen = min_time(self.first_seen, r.time);
        self.last_seen = max_time(self.last_seen, r.time);
        if let Some(line) = line {
            self.evidence.add(&line);
        }
        if !r.ok {
            return;
        }
        self.ok += 1;
        self.first_ok = min_time(self.first_ok, r.time);
        match r.method {
            Method::Read => self.first_ok_read = min_time(self.first_ok_read, r.time),
            Method::Post => {
                self.ok_posts += 1;
                self.first_ok_post = min_time(self.first_ok_post, r.time);
            }
            Method::Other => {}
        }
        if r.has_referer {
            self.ok_with_referer += 1;
        }
        if r.referred_elsewhere {
            self.ok_referred_elsewhere += 1;
        }
        if let Some(b) = r.bytes {
            self.sizes.add(b);
        }
        if let Some(slot) = r.client.as_deref().and_then(|c| self.clients.slot(c)) {
            slot.requests += 1;
            if r.method == Method::Post {
                slot.posts += 1;
            }
            if let Some(b) = r.bytes {
                slot.sizes.add(b);
            }
        }
        if !shapes.is_empty() {
            self.shape_hits.resize(shape_count, 0);
            for &i in shapes {
                if let Some(h) = self.shape_hits.get_mut(i) {
                    *h += 1;
                }
            }
        }
    }

    fn merge(&mut self, o: UriStats) {
        self.candidate = o.candidate;
        self.requests += o.requests;
        self.reads += o.reads;
        self.posts += o.posts;
        self.other_methods += o.other_methods;
        self.ok += o.ok;
        self.ok_posts += o.ok_posts;
        self.ok_with_referer += o.ok_with_referer;
        self.ok_referred_elsewhere += o.ok_referred_elsewhere;
        self.first_seen = min_time(self.first_seen, o.first_seen);
        self.last_seen = max_time(self.last_seen, o.last_seen);
        self.first_ok = min_time(self.first_ok, o.first_ok);
        self.first_ok_read = min_time(self.first_ok_read, o.first_ok_read);
        self.first_ok_post = min_time(self.first_ok_post, o.first_ok_post);
        self.sizes.merge(&o.sizes);
        self.clients.merge(o.clients);
        if self.shape_hits.len() < o.shape_hits.len() {
            self.shape_hits.resize(o.shape_hits.len(), 0);
        }
        for (a, b) in self.shape_hits.iter_mut().zip(o.shape_hits) {
            *a += b;
        }
        self.evidence.merge(o.evidence);
    }

    /// The kept evidence lines, in time order (at most 20).
    pub(crate) fn lines(&self) -> Vec<(String, u64)> {
        self.evidence.lines()
    }
}

/// What one site received, and its candidate URIs.
#[derive(Debug, Clone)]
pub(crate) struct SiteStats {
    /// Every request to the site.
    pub requests: u64,
    /// Requests that carried a Referer.
    pub with_referer: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub clients: DistinctSketch,
    pub uris: HashMap<String, UriStats>,
    /// Requests to candidate URIs beyond the per-site cap.
    pub dropped: u64,
}

impl SiteStats {
    pub(crate) fn new(limits: &Limits) -> SiteStats {
        SiteStats {
            requests: 0,
            with_referer: 0,
            first: None,
            last: None,
            clients: DistinctSketch::new(limits.site_client_sketch),
            uris: HashMap::new(),
            dropped: 0,
        }
    }

    /// Counts one request towards the site's context.
    pub(crate) fn note(&mut self, r: &Request<'_>) {
        self.requests += 1;
        if r.has_referer {
            self.with_referer += 1;
        }
        self.first = min_time(self.first, r.time);
        self.last = max_time(self.last, r.time);
        if let Some(c) = r.client.as_deref() {
            self.clients.insert(stable_hash(c));
        }
    }

    /// Counts one request to a candidate URI (after [`note`](Self::note)).
    pub(crate) fn observe_candidate(
        &mut self,
        r: &Request<'_>,
        candidate: Candidate,
        shapes: &[usize],
        shape_count: usize,
        line: Option<LineRef>,
        limits: &Limits,
    ) {
        if !self.uris.contains_key(r.uri.as_str()) {
            if self.uris.len() >= limits.max_uris_per_site {
                self.dropped += 1;
                return;
            }
            self.uris
                .insert(r.uri.clone(), UriStats::new(candidate, limits));
        }
        if let Some(stats) = self.uris.get_mut(r.uri.as_str()) {
            stats.observe(r, shapes, shape_count, line);
        }
    }

    /// Adds another analyzer's view of the same site.
    pub(crate) fn merge(&mut self, o: SiteStats, limits: &Limits) {
        self.requests += o.requests;
        self.with_referer += o.with_referer;
        self.first = min_time(self.first, o.first);
        self.last = max_time(self.last, o.last);
        self.clients.merge(o.clients);
        self.dropped += o.dropped;
        for (uri, stats) in o.uris {
            if let Some(mine) = self.uris.get_mut(&uri) {
                mine.merge(stats);
            } else if self.uris.len() < limits.max_uris_per_site {
                self.uris.insert(uri, stats);
            } else {
                self.dropped += stats.requests;
            }
        }
    }
}
