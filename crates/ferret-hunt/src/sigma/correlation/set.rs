//! A set of correlations resolved against the base rules, ready to run.

use std::collections::{HashMap, HashSet};

use ferret_core::Timestamp;

use super::super::RuleId;
use super::rule::{CorrelationKind, CorrelationRule};

/// A correlation's place in a [`CorrelationSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CorrelationId(pub usize);

/// One base rule match, as the caller hands it to [`CorrelationSet::run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseMatch {
    /// The rule that matched.
    pub rule: RuleId,
    /// When the event happened; untimed matches cannot take part in windows.
    pub time: Option<Timestamp>,
    /// The caller's index of the event (e.g. into its own list of events).
    pub event: usize,
    /// The fields named by [`CorrelationSet::captured_fields`] for `rule`,
    /// as (field, value); a field missing here counts as the empty value.
    pub captured: Vec<(String, String)>,
}

/// The most event indices a hit lists.
pub const MAX_HIT_EVENTS: usize = 64;

/// One matching window of one correlation for one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationHit {
    /// The correlation.
    pub correlation: CorrelationId,
    /// The group: each `group-by` entry (alias names as written) with its value.
    pub group: Vec<(String, String)>,
    /// Time of the first match in the window.
    pub first: Timestamp,
    /// Time of the last match in the window.
    pub last: Timestamp,
    /// The measured count: events (event_count), distinct values
    /// (value_count), distinct referenced rules (temporal, temporal_ordered).
    pub count: u64,
    /// [`BaseMatch::event`] indices of the window's matches, in time order,
    /// without repeats, at most [`MAX_HIT_EVENTS`].
    pub events: Vec<usize>,
}

/// What [`CorrelationSet::run`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorrelationOutcome {
    /// Hits of the correlations that report (see
    /// [`CorrelationSet::correlation_suppressed`]), by first time then correlation.
    pub hits: Vec<CorrelationHit>,
    /// Matches of correlated rules that had no time and were left out.
    pub untimed: u64,
}

/// What a referenced rule resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// A base Sigma rule.
    Base(RuleId),
    /// Another correlation (chaining), by its [`CorrelationId`].
    Chain(usize),
}

/// One entry of a correlation's `rules`, resolved.
#[derive(Debug, Clone)]
pub(super) struct Input {
    /// What it resolved to.
    pub source: Source,
    /// Fields giving the group key, one per `group-by` entry, after aliasing.
    pub key_fields: Vec<String>,
    /// The value_count field after aliasing.
    pub value_field: Option<String>,
}

/// A correlation with its references resolved.
#[derive(Debug, Clone)]
pub(super) struct Compiled {
    pub rule: CorrelationRule,
    pub inputs: Vec<Input>,
    /// Hidden because every correlation referencing it has `generate: false`.
    pub suppressed: bool,
}

/// Correlations resolved against a rule set. Immutable; `Send + Sync`.
#[derive(Debug, Clone, Default)]
pub struct CorrelationSet {
    pub(super) compiled: Vec<Compiled>,
    /// Correlation indices, every chained correlation before those using it.
    pub(super) order: Vec<usize>,
    /// Base rule -> (correlation, input position) pairs it feeds.
    pub(super) by_rule: HashMap<RuleId, Vec<(usize, usize)>>,
    captured: HashMap<RuleId, Vec<String>>,
    suppressed_rules: HashSet<RuleId>,
}

impl CorrelationSet {
    /// No correlations.
    pub fn empty() -> CorrelationSet {
        CorrelationSet::default()
    }

    /// Resolves every correlation's `rules`: `resolve` maps a base rule's id
    /// or name to the rule; other correlations of `rules` are found by id or
    /// name (chaining). Base rules win over correlations of the same name.
    /// Returns the set (accepted correlations keep their relative order; a
    /// [`CorrelationId`] indexes them) and the refused ones as (index into
    /// `rules`, reason).
    pub fn new(
        rules: Vec<CorrelationRule>,
        resolve: impl Fn(&str) -> Option<RuleId>,
    ) -> (CorrelationSet, Vec<(usize, String)>) {
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            for key in [&r.id, &r.name].into_iter().flatten() {
                by_name.entry(key.as_str()).or_insert(i);
            }
        }
        let mut refused: Vec<Option<String>> = vec![None; rules.len()];
        let mut sources: Vec<Vec<Source>> = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            let mut resolved = Vec::with_capacity(r.rules.len());
            for reference in &r.rules {
                match resolve(reference)
                    .map(Source::Base)
                    .or_else(|| by_name.get(reference.as_str()).map(|&j| Source::Chain(j)))
                {
                    Some(Source::Chain(j)) if j == i => {
                        refused[i] =
                            Some(format!("correlation references itself as `{reference}`"));
                    }
                    Some(source) => resolved.push(source),
                    None => {
                        refused[i] = Some(format!("unknown rule reference `{reference}`"));
                    }
                }
                if refused[i].is_some() {
                    break;
                }
            }
            if refused[i].is_none() {
                refused[i] = chain_fields_problem(r, &resolved, &rules).err();
            }
            sources.push(resolved);
        }
        let order = chain_order(&rules, &sources, &mut refused);

        // Renumber accepted correlations densely, in input order.
        let mut new_index: Vec<Option<usize>> = vec![None; rules.len()];
        let mut next = 0;
        for (i, slot) in new_index.iter_mut().enumerate() {
            if refused[i].is_none() {
                *slot = Some(next);
                next += 1;
            }
        }
        let mut set = CorrelationSet::default();
        let mut referrers: Vec<Vec<bool>> = vec![Vec::new(); next];
        let mut rule_referrers: HashMap<RuleId, Vec<bool>> = HashMap::new();
        let mut rejects = Vec::new();
        for (i, (rule, srcs)) in rules.into_iter().zip(sources).enumerate() {
            if let Some(reason) = refused[i].take() {
                rejects.push((i, reason));
                continue;
            }
            let c = set.compiled.len();
            let mut inputs = Vec::with_capacity(srcs.len());
            for (pos, (reference, source)) in rule.rules.iter().zip(srcs).enumerate() {
                let source = match source {
                    Source::Chain(j) => match new_index[j] {
                        Some(k) => {
                            referrers[k].push(rule.generate);
                            Source::Chain(k)
                        }
                        None => continue, // unreachable: chain_order refused it
                    },
                    Source::Base(id) => {
                        set.by_rule.entry(id).or_default().push((c, pos));
                        rule_referrers.entry(id).or_default().push(rule.generate);
                        let fields = set.captured.entry(id).or_default();
                        for f in rule.fields_needed(reference) {
                            if !fields.contains(&f) {
                                fields.push(f);
                            }
                        }
                        Source::Base(id)
                    }
                };
                let value_field = match &rule.kind {
                    CorrelationKind::ValueCount { field } => Some(rule.field_for(field, reference)),
                    _ => None,
                };
                inputs.push(Input {
                    source,
                    key_fields: rule
                        .group_by
                        .iter()
                        .map(|g| rule.field_for(g, reference))
                        .collect(),
                    value_field,
                });
            }
            set.compiled.push(Compiled {
                rule,
                inputs,
                suppressed: false,
            });
        }
        for (c, gens) in referrers.iter().enumerate() {
            set.compiled[c].suppressed = !gens.is_empty() && !gens.iter().any(|&g| g);
        }
        set.suppressed_rules = rule_referrers
            .into_iter()
            .filter(|(_, gens)| !gens.iter().any(|&g| g))
            .map(|(id, _)| id)
            .collect();
        set.order = order.into_iter().filter_map(|i| new_index[i]).collect();
        (set, rejects)
    }

    /// How many correlations were accepted.
    pub fn len(&self) -> usize {
        self.compiled.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.compiled.is_empty()
    }

    /// The correlation `id` (an id this set returned; panics otherwise).
    pub fn rule(&self, id: CorrelationId) -> &CorrelationRule {
        &self.compiled[id.0].rule
    }

    /// Every accepted correlation with its id.
    pub fn iter(&self) -> impl Iterator<Item = (CorrelationId, &CorrelationRule)> {
        self.compiled
            .iter()
            .enumerate()
            .map(|(i, c)| (CorrelationId(i), &c.rule))
    }

    /// Event fields base rule `rule` must capture for correlations (empty for
    /// most rules).
    pub fn captured_fields(&self, rule: RuleId) -> &[String] {
        self.captured.get(&rule).map_or(&[], Vec::as_slice)
    }

    /// Whether base rule `rule`'s own matches are hidden: it is referenced by
    /// a correlation and none of the correlations referencing it says
    /// `generate: true`.
    pub fn suppressed(&self, rule: RuleId) -> bool {
        self.suppressed_rules.contains(&rule)
    }

    /// Whether correlation `id`'s own hits are hidden from
    /// [`CorrelationOutcome::hits`] (it is chained into other correlations,
    /// none of which says `generate: true`).
    pub fn correlation_suppressed(&self, id: CorrelationId) -> bool {
        self.compiled.get(id.0).is_some_and(|c| c.suppressed)
    }
}

/// A chained correlation only passes on its group values: every field the
/// outer correlation needs from it must be one of its `group-by` entries.
fn chain_fields_problem(
    rule: &CorrelationRule,
    sources: &[Source],
    all: &[CorrelationRule],
) -> Result<(), String> {
    for (reference, source) in rule.rules.iter().zip(sources) {
        let Source::Chain(j) = *source else { continue };
        let inner = &all[j];
        for field in rule.fields_needed(reference) {
            if !inner
                .group_by
                .iter()
                .any(|g| g.eq_ignore_ascii_case(&field))
            {
                return Err(format!(
                    "needs field `{field}` from chained correlation `{reference}`, which does not group by it"
                ));
            }
        }
    }
    Ok(())
}

/// Orders correlations so chained ones come first; refuses those in a cycle
/// or depending on a refused correlation.
fn chain_order(
    rules: &[CorrelationRule],
    sources: &[Vec<Source>],
    refused: &mut [Option<String>],
) -> Vec<usize> {
    let mut placed = vec![false; rules.len()];
    let mut order = Vec::with_capacity(rules.len());
    loop {
        let mut progress = false;
        for i in 0..rules.len() {
            if placed[i] || refused[i].is_some() {
                continue;
            }
            let chained = || {
                sources[i].iter().filter_map(|s| match s {
                    Source::Chain(j) => Some(*j),
                    Source::Base(_) => None,
                })
            };
            if let Some(j) = chained().find(|&j| refused[j].is_some()) {
                refused[i] = Some(format!(
                    "references refused correlation `{}`",
                    label(&rules[j])
                ));
                progress = true;
            } else if chained().all(|j| placed[j]) {
                placed[i] = true;
                order.push(i);
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    for i in 0..rules.len() {
        if !placed[i] && refused[i].is_none() {
            refused[i] = Some(format!(
                "in or depending on a correlation chain cycle (at `{}`)",
                label(&rules[i])
            ));
        }
    }
    order
}

/// How a correlation is named in reasons: name, else id, else title.
fn label(rule: &CorrelationRule) -> &str {
    rule.name
        .as_deref()
        .or(rule.id.as_deref())
        .unwrap_or(&rule.title)
}
