//! Loading rule files into an immutable [`RuleSet`]: documents to compiled
//! rules, logsource routes, per-route prefilter buckets and correlations.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use ferret_core::LogFormat;

use super::correlation::{self, CorrelationRule, CorrelationSet};
use super::detection::{self, Detection};
use super::document::{self, Doc};
use super::mapping::{Mappings, Route};
use super::matcher::Matcher;
use super::pattern::Refusal;
use super::prefilter::{cond_literals, BucketFilter, Literals};
use super::{LoadStatus, MappingError, Origin, RuleId, RuleMeta, RuleReport};

/// Rule files larger than this are refused.
const MAX_RULE_FILE: u64 = 1 << 20;
/// Directory nesting followed by [`RuleSetBuilder::add_dir`].
const MAX_DIR_DEPTH: usize = 32;

enum Source {
    Text {
        path: String,
        text: String,
        origin: Origin,
    },
    Unreadable {
        path: String,
        reason: String,
    },
}

/// Collects rule files and options, then compiles them with [`build`](Self::build).
pub struct RuleSetBuilder {
    mappings: Mappings,
    placeholders: HashMap<String, Vec<String>>,
    prefilter: bool,
    sources: Vec<Source>,
}

impl Default for RuleSetBuilder {
    fn default() -> Self {
        RuleSetBuilder::new()
    }
}

impl RuleSetBuilder {
    /// A builder with the shipped logsource mappings.
    pub fn new() -> RuleSetBuilder {
        RuleSetBuilder::with(Mappings::shipped())
    }

    fn with(mappings: Mappings) -> RuleSetBuilder {
        RuleSetBuilder {
            mappings,
            placeholders: HashMap::new(),
            prefilter: true,
            sources: Vec::new(),
        }
    }

    /// A builder with mappings read from `text` (the format of
    /// `rules/mappings/sigma-logsources.toml`) instead of the shipped ones.
    pub fn with_mappings_toml(text: &str) -> Result<RuleSetBuilder, MappingError> {
        Ok(RuleSetBuilder::with(Mappings::from_toml(text)?))
    }

    /// Sets the values of placeholder `%name%` for the `|expand` modifier
    /// (rules using an undefined placeholder are refused).
    pub fn placeholder(&mut self, name: &str, values: Vec<String>) {
        self.placeholders.insert(name.to_owned(), values);
    }

    /// Enables (default) or disables the literal prefilter. Results are the
    /// same either way; disabling only makes matching slower (for measuring).
    pub fn prefilter(&mut self, enabled: bool) {
        self.prefilter = enabled;
    }

    /// Adds one rule file's text.
    pub fn add_source(&mut self, path: &str, text: &str, origin: Origin) {
        self.sources.push(Source::Text {
            path: path.to_owned(),
            text: text.to_owned(),
            origin,
        });
    }

    /// Adds every `*.yml` / `*.yaml` under `dir` (recursive, sorted by path).
    /// A file or directory that cannot be read becomes a refused report.
    pub fn add_dir(&mut self, dir: &Path, origin: Origin) {
        let mut files = Vec::new();
        walk(dir, 0, &mut files, &mut self.sources);
        files.sort();
        for f in files {
            let path = f.to_string_lossy().into_owned();
            match read_rule_file(&f) {
                Ok(text) => self.sources.push(Source::Text { path, text, origin }),
                Err(reason) => self.sources.push(Source::Unreadable { path, reason }),
            }
        }
    }

    /// Adds Ferret's shipped rules (`rules/sigma`, embedded at build time).
    pub fn add_shipped(&mut self) {
        for (path, text) in super::shipped::SHIPPED {
            self.add_source(path, text, Origin::Shipped);
        }
    }

    /// Compiles everything added. Reports come in input order (one per YAML
    /// document, or per unreadable file).
    pub fn build(self) -> (RuleSet, Vec<RuleReport>) {
        let mut reports: Vec<RuleReport> = Vec::new();
        let mut rules: Vec<CompiledRule> = Vec::new();
        let mut corr_rules: Vec<CorrelationRule> = Vec::new();
        let mut corr_reports: Vec<usize> = Vec::new();
        for src in &self.sources {
            let (path, text, origin) = match src {
                Source::Unreadable { path, reason } => {
                    reports.push(report(
                        path,
                        0,
                        None,
                        None,
                        LoadStatus::Refused(reason.clone()),
                    ));
                    continue;
                }
                Source::Text { path, text, origin } => (path, text, *origin),
            };
            for (doc_i, doc) in document::split(text) {
                match doc {
                    Doc::Refused(reason) => {
                        reports.push(report(path, doc_i, None, None, LoadStatus::Refused(reason)))
                    }
                    Doc::Correlation(y) => {
                        let (id, title) = document::id_title(&y);
                        match correlation::parse_correlation(&y, path, origin) {
                            Ok(c) => {
                                corr_reports.push(reports.len());
                                corr_rules.push(c);
                                reports.push(report(path, doc_i, id, title, LoadStatus::Loaded));
                            }
                            Err(reason) => reports.push(report(
                                path,
                                doc_i,
                                id,
                                title,
                                LoadStatus::Refused(format!("correlation: {reason}")),
                            )),
                        }
                    }
                    Doc::Rule(y) => {
                        let (id, title) = document::id_title(&y);
                        match self.compile_rule(&y, path, origin) {
                            Ok(rule) => {
                                let mut r = report(path, doc_i, id, title, LoadStatus::Loaded);
                                if rule.routes.is_empty() {
                                    r.unmapped = Some(format!(
                                        "no mapping for logsource {}",
                                        rule.meta.logsource
                                    ));
                                }
                                reports.push(r);
                                rules.push(rule);
                            }
                            Err(e) => reports.push(report(
                                path,
                                doc_i,
                                id,
                                title,
                                LoadStatus::Refused(e.0),
                            )),
                        }
                    }
                }
            }
        }
        let correlations = {
            let mut by_key: HashMap<&str, RuleId> = HashMap::new();
            for (i, r) in rules.iter().enumerate() {
                for k in [&r.meta.id, &r.meta.name].into_iter().flatten() {
                    by_key.entry(k.as_str()).or_insert(RuleId(i));
                }
            }
            let (set, refused) = CorrelationSet::new(corr_rules, |k| by_key.get(k).copied());
            for (i, reason) in refused {
                if let Some(r) = corr_reports.get(i).and_then(|ri| reports.get_mut(*ri)) {
                    r.status = LoadStatus::Refused(format!("correlation: {reason}"));
                }
            }
            set
        };
        let set = RuleSet::assemble(rules, self.mappings.routes, correlations, self.prefilter);
        (set, reports)
    }

    fn compile_rule(
        &self,
        doc: &yaml_rust2::Yaml,
        path: &str,
        origin: Origin,
    ) -> Result<CompiledRule, Refusal> {
        let meta = document::meta(doc, path, origin)?;
        let det = detection::compile(&doc["detection"], &self.placeholders)?;
        let routes = self.mappings.routes_for(&meta.logsource);
        let literals = cond_literals(&det.cond, &det.sels);
        let mut positive = Vec::new();
        det.cond.positive_selections(&mut positive);
        positive.sort_unstable();
        positive.dedup();
        Ok(CompiledRule {
            meta,
            det,
            routes,
            literals,
            positive,
        })
    }
}

fn report(
    path: &str,
    doc: usize,
    id: Option<String>,
    title: Option<String>,
    status: LoadStatus,
) -> RuleReport {
    RuleReport {
        path: path.to_owned(),
        doc,
        id,
        title,
        status,
        unmapped: None,
    }
}

fn read_rule_file(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_RULE_FILE {
        return Err(format!("rule file too large ({} bytes)", meta.len()));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "rule file is not UTF-8".to_owned())
}

fn walk(dir: &Path, depth: usize, files: &mut Vec<PathBuf>, errors: &mut Vec<Source>) {
    let unreadable = |errors: &mut Vec<Source>, reason: String| {
        errors.push(Source::Unreadable {
            path: dir.to_string_lossy().into_owned(),
            reason,
        })
    };
    if depth > MAX_DIR_DEPTH {
        unreadable(errors, "directory nested too deeply".into());
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            unreadable(errors, format!("cannot read directory: {e}"));
            return;
        }
    };
    let mut subdirs = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                unreadable(errors, format!("cannot read directory entry: {e}"));
                continue;
            }
        };
        let p = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        // Symlinked directories are not followed (no loops); symlinked files are read.
        if ft.is_dir() {
            subdirs.push(p);
        } else if (ft.is_file() || ft.is_symlink() && p.is_file())
            && matches!(p.extension().and_then(|x| x.to_str()), Some("yml" | "yaml"))
        {
            files.push(p);
        }
    }
    subdirs.sort();
    for d in subdirs {
        walk(&d, depth + 1, files, errors);
    }
}

/// A compiled rule.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub(crate) meta: RuleMeta,
    pub(crate) det: Detection,
    pub(crate) routes: Vec<usize>,
    pub(crate) literals: Option<Literals>,
    /// Selections outside any `not`, whose matching fields are reported.
    pub(crate) positive: Vec<usize>,
}

/// The rules of one route, with their prefilter.
#[derive(Debug)]
pub(crate) struct Bucket {
    pub(crate) route: usize,
    pub(crate) rules: Vec<u32>,
    pub(crate) filter: BucketFilter,
    /// Lowercased event field names the bucket's rules read (after the
    /// route's aliases); `None` when some rule reads every field (keywords).
    pub(crate) fields: Option<HashSet<String>>,
}

/// Which buckets an event of one format may enter.
#[derive(Debug, Default)]
pub(crate) struct FormatIndex {
    /// Lowercased `Channel` -> buckets requiring exactly that channel.
    pub(crate) by_channel: HashMap<String, Vec<usize>>,
    /// Buckets checked for every event of the format.
    pub(crate) generic: Vec<usize>,
}

/// Compiled rules, shared read-only by worker threads.
pub struct RuleSet {
    pub(crate) rules: Vec<CompiledRule>,
    pub(crate) routes: Vec<Route>,
    pub(crate) buckets: Vec<Bucket>,
    pub(crate) index: Vec<FormatIndex>,
    pub(crate) prefilter: bool,
    pub(crate) max_patterns: usize,
    pub(crate) max_sels: usize,
    correlations: CorrelationSet,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules.len())
            .field("buckets", &self.buckets.len())
            .field("prefilter", &self.prefilter)
            .finish()
    }
}

/// The lowercased event field names a bucket's rules read, `None` for all.
fn fields_read(
    rules: &[CompiledRule],
    members: &[u32],
    route: &Route,
    correlations: &CorrelationSet,
) -> Option<HashSet<String>> {
    let mut names: Vec<&str> = Vec::new();
    for &i in members {
        let r = &rules[i as usize];
        for s in &r.det.sels {
            if !s.fields_read(&mut names) {
                return None;
            }
        }
        names.extend(
            correlations
                .captured_fields(RuleId(i as usize))
                .iter()
                .map(String::as_str),
        );
    }
    Some(
        names
            .into_iter()
            .map(|n| {
                route
                    .event_field(&n.to_ascii_lowercase(), n)
                    .to_ascii_lowercase()
            })
            .collect(),
    )
}

/// Position of a format in [`LogFormat::ALL`].
pub(crate) fn format_slot(f: LogFormat) -> usize {
    LogFormat::ALL.iter().position(|x| *x == f).unwrap_or(0)
}

impl RuleSet {
    fn assemble(
        rules: Vec<CompiledRule>,
        routes: Vec<Route>,
        correlations: CorrelationSet,
        prefilter: bool,
    ) -> RuleSet {
        let mut per_route: Vec<Vec<u32>> = vec![Vec::new(); routes.len()];
        for (i, r) in rules.iter().enumerate() {
            for &route in &r.routes {
                if let Some(v) = per_route.get_mut(route) {
                    v.push(i as u32);
                }
            }
        }
        let mut buckets = Vec::new();
        let mut index: Vec<FormatIndex> = LogFormat::ALL
            .iter()
            .map(|_| FormatIndex::default())
            .collect();
        for (route, members) in per_route.into_iter().enumerate() {
            if members.is_empty() {
                continue;
            }
            let reqs: Vec<Option<Literals>> = members
                .iter()
                .map(|&i| rules[i as usize].literals.clone())
                .collect();
            let fields = fields_read(&rules, &members, &routes[route], &correlations);
            let b = buckets.len();
            buckets.push(Bucket {
                route,
                rules: members,
                filter: BucketFilter::new(&reqs),
                fields,
            });
            let channels = routes[route].exact_channels();
            for &f in &routes[route].formats {
                let fi = &mut index[format_slot(f)];
                match &channels {
                    Some(chs) => {
                        for c in chs {
                            let v = fi.by_channel.entry(c.clone()).or_default();
                            if !v.contains(&b) {
                                v.push(b);
                            }
                        }
                    }
                    None => fi.generic.push(b),
                }
            }
        }
        let max_patterns = buckets
            .iter()
            .map(|b| b.filter.patterns())
            .max()
            .unwrap_or(0);
        let max_sels = rules.iter().map(|r| r.det.sels.len()).max().unwrap_or(0);
        RuleSet {
            rules,
            routes,
            buckets,
            index,
            prefilter,
            max_patterns,
            max_sels,
            correlations,
        }
    }

    /// Number of compiled rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether no rule compiled.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// A rule's metadata. Panics if `id` is not from this set.
    pub fn meta(&self, id: RuleId) -> &RuleMeta {
        &self.rules[id.0].meta
    }

    /// Whether a rule has a logsource route (unrouted rules never match).
    pub fn is_routed(&self, id: RuleId) -> bool {
        self.rules.get(id.0).is_some_and(|r| !r.routes.is_empty())
    }

    /// The names of the mapping routes a rule runs on (empty: unmapped).
    pub fn route_names(&self, id: RuleId) -> Vec<&str> {
        self.rules
            .get(id.0)
            .map(|r| {
                r.routes
                    .iter()
                    .filter_map(|&i| self.routes.get(i).map(|x| x.name.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A matcher with its own scratch space (one per thread; cheap).
    pub fn matcher(&self) -> Matcher<'_> {
        Matcher::new(self)
    }

    /// The correlation rules loaded with the base rules.
    pub fn correlations(&self) -> &CorrelationSet {
        &self.correlations
    }
}
