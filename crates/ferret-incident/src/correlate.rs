//! Union of findings into incidents: findings of one host that share a key
//! (see [`crate::keys`]) within the time window join; each group becomes one
//! [`Incident`]. `docs/incidents.md` describes the rules.

use crate::keys::{keys_of, Key, KeyKind, Role};
use crate::model::{Correlation, Incident, Link, Options};
use crate::times::{source_of, span_of};
use ferret_core::{escape_str, stable_id, Escaped, Finding, Subject, Timestamp};
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Earliest and latest moment, microseconds since the epoch.
type Span = (i64, i64);

/// The span of a finding with no readable time: near everything.
const ALWAYS: Span = (i64::MIN, i64::MAX);

/// One finding's join facts.
struct Node {
    keys: Vec<Key>,
    span: Option<Span>,
}

impl Node {
    fn span(&self) -> Span {
        self.span.unwrap_or(ALWAYS)
    }
}

/// Joins `findings` into incidents. The result does not depend on the order
/// of `findings`.
pub fn correlate(findings: Vec<Finding>, opts: &Options) -> Correlation {
    let findings = dedup(findings);
    let nodes: Vec<Node> = findings
        .iter()
        .map(|f| Node {
            keys: keys_of(f),
            span: span_of(f),
        })
        .collect();
    let window = i64::try_from(opts.window_secs.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
    let mut joins = Joins::new(findings.len());
    let mut lo = 0;
    while lo < findings.len() {
        let host = &findings[lo].host;
        let hi = lo + findings[lo..].partition_point(|f| f.host == *host);
        HostJoin::new(&nodes, lo..hi, window).run(&mut joins);
        lo = hi;
    }
    build(findings, &nodes, joins)
}

/// Merges findings with the same host and id: the latest `time` is kept
/// (ties broken by content, so input order never decides). Sorted by host, id.
fn dedup(findings: Vec<Finding>) -> Vec<Finding> {
    // Sort positions, not findings: a finding is large to move.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (fa, fb) = (&findings[a], &findings[b]);
        (&fa.host, &fa.id).cmp(&(&fb.host, &fb.id))
    });
    let mut keep: Vec<usize> = Vec::with_capacity(order.len());
    for &i in &order {
        match keep.last_mut() {
            Some(last)
                if findings[*last].host == findings[i].host
                    && findings[*last].id == findings[i].id =>
            {
                if newer(&findings[i], &findings[*last]) {
                    *last = i;
                }
            }
            _ => keep.push(i),
        }
    }
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    keep.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Whether `a` is a later report than `b` of the same finding.
fn newer(a: &Finding, b: &Finding) -> bool {
    let t = |f: &Finding| Timestamp::parse_rfc3339(&f.time).map(Timestamp::unix_micros);
    match t(a).cmp(&t(b)).then_with(|| a.time.cmp(&b.time)) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => {
            let json = |f: &Finding| serde_json::to_string(f).unwrap_or_default();
            json(a) > json(b)
        }
    }
}

/// Union-find over finding indices, remembering the edge of every merge.
struct Joins {
    parent: Vec<usize>,
    rank: Vec<u8>,
    /// `(a, b, key label)` for each merge: a spanning forest.
    edges: Vec<(usize, usize, String)>,
}

impl Joins {
    fn new(n: usize) -> Self {
        Joins {
            parent: (0..n).collect(),
            rank: vec![0; n],
            edges: Vec::new(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize, key: &Key) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        match self.rank[ra].cmp(&self.rank[rb]) {
            Ordering::Less => self.parent[ra] = rb,
            Ordering::Greater => self.parent[rb] = ra,
            Ordering::Equal => {
                self.parent[rb] = ra;
                self.rank[ra] = self.rank[ra].saturating_add(1);
            }
        }
        self.edges.push((a, b, key.label()));
    }
}

/// Whether two spans lie within `window` of each other.
fn near(a: Span, b: Span, window: i64) -> bool {
    a.0 <= b.1.saturating_add(window) && b.0 <= a.1.saturating_add(window)
}

/// The parent directory of a normalized path value.
fn parent_dir(path: &str) -> Option<&str> {
    match path.rsplit_once('/')? {
        ("", _) if path.len() > 1 => Some("/"),
        ("", _) => None,
        (dir, _) => Some(dir),
    }
}

/// The joins of one host's findings.
struct HostJoin<'a> {
    nodes: &'a [Node],
    range: std::ops::Range<usize>,
    window: i64,
    /// Identity key -> findings holding it, by span start.
    ident: HashMap<(KeyKind, &'a str), Vec<usize>>,
    /// Lowercased file name -> identity paths with that name.
    by_name: HashMap<String, Vec<&'a str>>,
    /// Directory -> identity paths directly in it.
    by_parent: HashMap<&'a str, Vec<&'a str>>,
    /// Pairs of identity paths one finding holds both of (one file, two names).
    siblings: HashSet<(&'a str, &'a str)>,
}

impl<'a> HostJoin<'a> {
    fn new(nodes: &'a [Node], range: std::ops::Range<usize>, window: i64) -> Self {
        let mut ident: HashMap<(KeyKind, &str), Vec<usize>> = HashMap::new();
        let mut siblings = HashSet::new();
        for i in range.clone() {
            let mut paths: Vec<&str> = Vec::new();
            for k in nodes[i].keys.iter().filter(|k| k.role == Role::Identity) {
                ident.entry((k.kind, k.value.as_str())).or_default().push(i);
                if k.kind == KeyKind::Path {
                    paths.push(k.value.as_str());
                }
            }
            for (n, a) in paths.iter().enumerate() {
                for b in &paths[n + 1..] {
                    siblings.insert(((*a).min(*b), (*a).max(*b)));
                }
            }
        }
        let mut by_name: HashMap<String, Vec<&str>> = HashMap::new();
        let mut by_parent: HashMap<&str, Vec<&str>> = HashMap::new();
        for (&(kind, value), members) in ident.iter_mut() {
            members.sort_by_key(|&i| (nodes[i].span().0, i));
            if kind != KeyKind::Path {
                continue;
            }
            if let Some(name) = value.rsplit('/').next().filter(|n| !n.is_empty()) {
                by_name.entry(name.to_lowercase()).or_default().push(value);
            }
            if let Some(dir) = parent_dir(value) {
                by_parent.entry(dir).or_default().push(value);
            }
        }
        // Map iteration order is random; candidate lists must not be.
        by_name.values_mut().for_each(|v| v.sort());
        by_parent.values_mut().for_each(|v| v.sort());
        HostJoin {
            nodes,
            range,
            window,
            ident,
            by_name,
            by_parent,
            siblings,
        }
    }

    fn run(&self, joins: &mut Joins) {
        // Identities: equal keys join within the window. Sorted by start, a
        // finding joins the run so far when it starts before the latest end
        // plus the window; that finding is a real pairwise partner.
        let mut groups: Vec<(&(KeyKind, &str), &Vec<usize>)> = self.ident.iter().collect();
        groups.sort();
        for (&(kind, value), members) in groups {
            let key = Key {
                kind,
                value: value.to_owned(),
                role: Role::Identity,
            };
            self.sweep(members, &key, joins);
        }
        let mut uris: HashMap<&str, Vec<usize>> = HashMap::new();
        for i in self.range.clone() {
            for key in self.nodes[i]
                .keys
                .iter()
                .filter(|k| k.role == Role::Reference)
            {
                match key.kind {
                    KeyKind::Path | KeyKind::Sha256 => {
                        let members = self.ident.get(&(key.kind, key.value.as_str()));
                        for &c in members.into_iter().flatten() {
                            if self.near(i, c) {
                                joins.union(i, c, key);
                            }
                        }
                    }
                    KeyKind::Uri => {
                        uris.entry(key.value.as_str()).or_default().push(i);
                        for c in self.uri_targets(i, &key.value) {
                            joins.union(i, c, key);
                        }
                    }
                    KeyKind::Cwd => {
                        for c in self.cwd_targets(i, &key.value) {
                            joins.union(i, c, key);
                        }
                    }
                    KeyKind::DbObject | KeyKind::Component => {}
                }
            }
        }
        // Two findings requesting the same script URI.
        let mut uris: Vec<(&str, Vec<usize>)> = uris.into_iter().collect();
        uris.sort();
        for (value, mut members) in uris {
            members.sort_by_key(|&i| (self.nodes[i].span().0, i));
            let key = Key {
                kind: KeyKind::Uri,
                value: value.to_owned(),
                role: Role::Reference,
            };
            self.sweep(&members, &key, joins);
        }
    }

    fn near(&self, a: usize, b: usize) -> bool {
        near(self.nodes[a].span(), self.nodes[b].span(), self.window)
    }

    /// Joins the window-connected runs of `members` (sorted by span start).
    fn sweep(&self, members: &[usize], key: &Key, joins: &mut Joins) {
        let mut best: Option<usize> = None;
        for &m in members {
            let (start, end) = self.nodes[m].span();
            match best {
                Some(b) if start <= self.nodes[b].span().1.saturating_add(self.window) => {
                    joins.union(m, b, key);
                    if end > self.nodes[b].span().1 {
                        best = Some(m);
                    }
                }
                _ => best = Some(m),
            }
        }
    }

    /// The findings a URI reference joins: those holding the identity path
    /// whose trailing segments match the most URI segments (at least the file
    /// name), within the window; none when two different files tie.
    fn uri_targets(&self, i: usize, uri: &str) -> Vec<usize> {
        let segs: Vec<&str> = uri.split('/').filter(|s| !s.is_empty()).collect();
        let Some(cands) = segs.last().and_then(|n| self.by_name.get(*n)) else {
            return Vec::new();
        };
        let scored = cands.iter().map(|path| {
            let lower = path.to_lowercase();
            let matched = segs
                .iter()
                .rev()
                .zip(lower.split('/').filter(|s| !s.is_empty()).rev())
                .take_while(|(u, p)| **u == *p)
                .count();
            (*path, matched)
        });
        self.pick(i, scored)
    }

    /// The findings a working directory joins: those holding the one identity
    /// path directly in it, within the window; none when several files are.
    fn cwd_targets(&self, i: usize, cwd: &str) -> Vec<usize> {
        let Some(cands) = self.by_parent.get(cwd) else {
            return Vec::new();
        };
        self.pick(i, cands.iter().map(|p| (*p, 1)))
    }

    /// Of scored candidate paths, those with a finding near `i` and the best
    /// score; their findings when they are one file, else none.
    fn pick(&self, i: usize, scored: impl Iterator<Item = (&'a str, usize)>) -> Vec<usize> {
        let mut best: Vec<(&str, Vec<usize>)> = Vec::new();
        let mut best_score = 0;
        for (path, score) in scored {
            if score == 0 || score < best_score {
                continue;
            }
            let members: Vec<usize> = self
                .ident
                .get(&(KeyKind::Path, path))
                .into_iter()
                .flatten()
                .copied()
                .filter(|&c| c != i && self.near(i, c))
                .collect();
            if members.is_empty() {
                continue;
            }
            if score > best_score {
                best.clear();
                best_score = score;
            }
            best.push((path, members));
        }
        let one_file = best.iter().all(|(p, _)| {
            best.iter()
                .all(|(q, _)| p == q || self.siblings.contains(&((*p).min(*q), (*p).max(*q))))
        });
        if !one_file {
            return Vec::new();
        }
        best.into_iter().flat_map(|(_, m)| m).collect()
    }
}

/// Builds incidents from the joined groups.
fn build(mut findings: Vec<Finding>, nodes: &[Node], mut joins: Joins) -> Correlation {
    let n = findings.len();
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        let root = joins.find(i);
        groups[root].push(i);
    }
    let mut adjacent: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (e, &(a, b, _)) in joins.edges.iter().enumerate() {
        adjacent[a].push((b, e));
        adjacent[b].push((a, e));
    }
    let mut built: Vec<(Incident, Vec<usize>, String)> = groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|mut members| {
            members.sort_by(|&a, &b| {
                (nodes[a].span().0, &findings[a].id).cmp(&(nodes[b].span().0, &findings[b].id))
            });
            let links = links_of(&members, &adjacent, &joins.edges, &findings);
            let (incident, anchor) = incident_of(&members, &findings, nodes, links);
            (incident, members, anchor)
        })
        .collect();
    disambiguate(&mut built);
    // Sort positions: an incident is large to move.
    let mut rank: Vec<usize> = (0..built.len()).collect();
    rank.sort_unstable_by(|&x, &y| {
        let (a, b) = (&built[x].0, &built[y].0);
        (Reverse(a.severity), Reverse(a.score), &a.first_seen, &a.id).cmp(&(
            Reverse(b.severity),
            Reverse(b.score),
            &b.first_seen,
            &b.id,
        ))
    });
    let mut order = Vec::with_capacity(n);
    for &r in &rank {
        let (incident, members, _) = &built[r];
        for &m in members {
            findings[m].incident.clone_from(&incident.id);
            order.push(m);
        }
    }
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let mut incidents: Vec<Option<Incident>> = built.into_iter().map(|(i, _, _)| Some(i)).collect();
    Correlation {
        findings: order.into_iter().filter_map(|m| slots[m].take()).collect(),
        incidents: rank
            .into_iter()
            .filter_map(|r| incidents[r].take())
            .collect(),
    }
}

/// One link per finding after the first: the tree edge that reached it from
/// the first finding, walking breadth-first.
fn links_of(
    members: &[usize],
    adjacent: &[Vec<(usize, usize)>],
    edges: &[(usize, usize, String)],
    findings: &[Finding],
) -> Vec<Link> {
    let Some(&root) = members.first() else {
        return Vec::new();
    };
    if members.len() == 1 {
        return Vec::new();
    }
    let rank: HashMap<usize, usize> = members.iter().enumerate().map(|(r, &m)| (m, r)).collect();
    let mut via: HashMap<usize, (usize, usize)> = HashMap::new();
    let mut seen: HashSet<usize> = HashSet::from([root]);
    let mut queue = std::collections::VecDeque::from([root]);
    while let Some(v) = queue.pop_front() {
        let mut next: Vec<(usize, usize)> = adjacent[v].clone();
        next.sort_by_key(|(w, _)| rank.get(w).copied());
        for (w, e) in next {
            if seen.insert(w) {
                via.insert(w, (v, e));
                queue.push_back(w);
            }
        }
    }
    members[1..]
        .iter()
        .filter_map(|m| {
            let (with, e) = via.get(m)?;
            Some(Link {
                finding: findings[*m].id.clone(),
                with: findings[*with].id.clone(),
                key: edges[*e].2.clone(),
            })
        })
        .collect()
}

/// Escapes control characters of text that should already be escaped (a
/// title read back from JSON), leaving its backslashes alone.
fn escape_controls(s: &str) -> String {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push(c),
            c => out.push_str(&escape_str(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

/// The incident of one group (members in time order) and its anchor.
fn incident_of(
    members: &[usize],
    findings: &[Finding],
    nodes: &[Node],
    links: Vec<Link>,
) -> (Incident, String) {
    let strongest = members
        .iter()
        .copied()
        .max_by(|&a, &b| {
            let (fa, fb) = (&findings[a], &findings[b]);
            (fa.severity, fa.score, Reverse(&fa.id)).cmp(&(fb.severity, fb.score, Reverse(&fb.id)))
        })
        .unwrap_or(members[0]);
    let first = &findings[members[0]];
    let anchor = members
        .iter()
        .flat_map(|&m| nodes[m].keys.iter().filter(|k| k.role == Role::Identity))
        .min_by(|a, b| (a.kind, &a.value).cmp(&(b.kind, &b.value)))
        .map(Key::label)
        .unwrap_or_else(|| {
            members
                .iter()
                .map(|&m| findings[m].id.as_str())
                .min()
                .unwrap_or_default()
                .to_owned()
        });
    let host = &first.host;
    let id = stable_id(&["incident", host, &anchor]);
    let spans: Vec<Span> = members.iter().filter_map(|&m| nodes[m].span).collect();
    let time = |t: Option<i64>| {
        t.map(|t| Timestamp::from_unix_micros(t).to_rfc3339())
            .unwrap_or_default()
    };
    let mut techniques = vec![findings[strongest].technique];
    let mut subjects: Vec<Escaped> = Vec::new();
    let mut events: Vec<Escaped> = Vec::new();
    for &m in members {
        let f = &findings[m];
        if !techniques.contains(&f.technique) {
            techniques.push(f.technique);
        }
        let (list, s) = match &f.subject {
            Subject::File(s) => (&mut subjects, s.original_path.as_ref().unwrap_or(&s.path)),
            Subject::Event(e) => (&mut events, &e.path),
            other => (&mut subjects, other.path()),
        };
        if !list.contains(s) {
            list.push(s.clone());
        }
    }
    let sources: BTreeSet<&str> = members.iter().map(|&m| source_of(&findings[m])).collect();
    let incident = Incident {
        id,
        host: escape_controls(host),
        title: escape_controls(&findings[strongest].title),
        severity: findings[strongest].severity,
        score: members
            .iter()
            .map(|&m| findings[m].score)
            .max()
            .unwrap_or(0),
        first_seen: time(spans.iter().map(|s| s.0).min()),
        last_seen: time(spans.iter().map(|s| s.1).max()),
        techniques,
        subjects: if subjects.is_empty() {
            events
        } else {
            subjects
        },
        sources: sources.into_iter().map(str::to_owned).collect(),
        findings: members.iter().map(|&m| findings[m].id.clone()).collect(),
        links,
    };
    (incident, anchor)
}

/// Incidents of one host with the same anchor (the same file, apart in time)
/// would share an id: the earliest keeps it, the others add their first seen
/// and smallest finding id.
fn disambiguate(built: &mut [(Incident, Vec<usize>, String)]) {
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
    for (n, (i, _, _)) in built.iter().enumerate() {
        by_id.entry(i.id.clone()).or_default().push(n);
    }
    for (_, mut same) in by_id.into_iter().filter(|(_, v)| v.len() > 1) {
        let smallest = |b: &[(Incident, Vec<usize>, String)], n: usize| {
            b[n].0.findings.iter().min().cloned().unwrap_or_default()
        };
        same.sort_by_key(|&n| (built[n].0.first_seen.clone(), smallest(built, n)));
        for &n in &same[1..] {
            let low = smallest(built, n);
            let (inc, _, anchor) = &mut built[n];
            inc.id = stable_id(&["incident", &inc.host, anchor, &inc.first_seen, &low]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_near_within_the_window() {
        let day = 86_400 * 1_000_000;
        assert!(near((0, day), (2 * day, 3 * day), day));
        assert!(!near((0, day), (2 * day + 1, 3 * day), day));
        assert!(near((5 * day, 6 * day), (0, 10 * day), 0));
        assert!(near(ALWAYS, (0, 0), 0));
        assert!(near(
            (i64::MAX, i64::MAX),
            (i64::MAX - 1, i64::MAX),
            i64::MAX
        ));
    }

    #[test]
    fn parents_of_normalized_paths() {
        assert_eq!(parent_dir("/var/www/x.php"), Some("/var/www"));
        assert_eq!(parent_dir("/x.php"), Some("/"));
        assert_eq!(parent_dir("c:/x.aspx"), Some("c:"));
        assert_eq!(parent_dir("/"), None);
        assert_eq!(parent_dir("x.php"), None);
    }

    #[test]
    fn controls_are_escaped_and_escapes_kept() {
        assert_eq!(escape_controls("a\\nb"), "a\\nb");
        assert_eq!(escape_controls("a\nb\u{202e}"), "a\\nb\\u{202e}");
        assert_eq!(escape_controls("日本 <b>"), "日本 <b>");
    }
}
