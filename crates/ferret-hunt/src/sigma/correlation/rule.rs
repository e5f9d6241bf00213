//! A parsed correlation rule: what it correlates, how it groups and when it matches.

use std::collections::BTreeMap;

use super::super::{Level, Origin};

/// What a correlation measures inside its time window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorrelationKind {
    /// The number of matching events.
    EventCount,
    /// The number of distinct values of `field` (an alias name is resolved per rule).
    ValueCount {
        /// The field whose distinct values are counted.
        field: String,
    },
    /// The number of distinct referenced rules that matched, in any order.
    Temporal,
    /// Every referenced rule matched, in the listed order.
    TemporalOrdered,
}

impl CorrelationKind {
    /// The name used in rule files (`event_count`, `value_count`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            CorrelationKind::EventCount => "event_count",
            CorrelationKind::ValueCount { .. } => "value_count",
            CorrelationKind::Temporal => "temporal",
            CorrelationKind::TemporalOrdered => "temporal_ordered",
        }
    }
}

/// When a window's count makes the correlation match. Counts are never zero:
/// a window always holds at least one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// `gt: N`: more than N.
    Gt(u64),
    /// `gte: N`: N or more.
    Gte(u64),
    /// `lt: N`: fewer than N.
    Lt(u64),
    /// `lte: N`: N or fewer.
    Lte(u64),
    /// `eq: N`: exactly N.
    Eq(u64),
    /// A lower bound (`gt`/`gte`) and an upper bound (`lt`/`lte`) together,
    /// both inclusive after normalisation.
    Range {
        /// The smallest accepted count.
        min: u64,
        /// The largest accepted count.
        max: u64,
    },
}

impl Threshold {
    /// Whether `count` satisfies the threshold.
    pub fn accepts(self, count: u64) -> bool {
        match self {
            Threshold::Gt(n) => count > n,
            Threshold::Gte(n) => count >= n,
            Threshold::Lt(n) => count < n,
            Threshold::Lte(n) => count <= n,
            Threshold::Eq(n) => count == n,
            Threshold::Range { min, max } => (min..=max).contains(&count),
        }
    }

    /// The smallest count (at least 1) the threshold accepts, if any.
    pub fn min_count(self) -> Option<u64> {
        let low = match self {
            Threshold::Gt(n) => n.checked_add(1)?,
            Threshold::Gte(n) | Threshold::Eq(n) => n,
            Threshold::Range { min, .. } => min,
            Threshold::Lt(_) | Threshold::Lte(_) => 0,
        }
        .max(1);
        self.accepts(low).then_some(low)
    }

    /// Whether the threshold caps the count, so that a window can stop matching
    /// as it grows.
    pub fn has_upper_bound(self) -> bool {
        !matches!(self, Threshold::Gt(_) | Threshold::Gte(_))
    }
}

/// Field name aliases: alias name -> (rule reference as written in `rules`
/// -> event field name in that rule's events).
pub type FieldAliases = BTreeMap<String, BTreeMap<String, String>>;

/// One Sigma correlation rule, as read from its YAML document.
#[derive(Debug, Clone)]
pub struct CorrelationRule {
    /// `id`.
    pub id: Option<String>,
    /// `name`, by which other correlations may reference it.
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `status`.
    pub status: Option<String>,
    /// `level` (default medium).
    pub level: Level,
    /// `tags`, as written.
    pub tags: Vec<String>,
    /// ATT&CK technique ids from `attack.tNNNN[.NNN]` tags, e.g. `T1505.003`.
    pub techniques: Vec<String>,
    /// `description`.
    pub description: Option<String>,
    /// The rule file.
    pub path: String,
    /// Where the rule file came from.
    pub origin: Origin,
    /// What the correlation measures.
    pub kind: CorrelationKind,
    /// Referenced rules (ids or names of base rules or other correlations), in order.
    pub rules: Vec<String>,
    /// `group-by` fields or alias names.
    pub group_by: Vec<String>,
    /// `aliases`.
    pub aliases: FieldAliases,
    /// `timespan` in microseconds (positive).
    pub timespan_micros: i64,
    /// When a window matches.
    pub threshold: Threshold,
    /// `generate`: whether the referenced rules also report on their own.
    pub generate: bool,
}

impl CorrelationRule {
    /// The event field `name` (a group-by entry or the value_count field) names
    /// in the events of the rule referenced as `reference`: its alias target
    /// when an alias maps that rule, else `name` itself.
    pub fn field_for(&self, name: &str, reference: &str) -> String {
        self.aliases
            .get(name)
            .and_then(|per_rule| per_rule.get(reference))
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    }

    /// Event fields a base rule referenced as `rule_name_or_id` must capture:
    /// the group-by fields after alias mapping, then the value_count field.
    pub fn fields_needed(&self, rule_name_or_id: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let counted = match &self.kind {
            CorrelationKind::ValueCount { field } => Some(field.as_str()),
            _ => None,
        };
        for name in self.group_by.iter().map(String::as_str).chain(counted) {
            let field = self.field_for(name, rule_name_or_id);
            if !out.contains(&field) {
                out.push(field);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_accept_their_counts() {
        assert!(Threshold::Gt(2).accepts(3) && !Threshold::Gt(2).accepts(2));
        assert!(Threshold::Gte(2).accepts(2) && !Threshold::Gte(2).accepts(1));
        assert!(Threshold::Lt(2).accepts(1) && !Threshold::Lt(2).accepts(2));
        assert!(Threshold::Lte(2).accepts(2) && !Threshold::Lte(2).accepts(3));
        assert!(Threshold::Eq(2).accepts(2) && !Threshold::Eq(2).accepts(3));
        let r = Threshold::Range { min: 3, max: 5 };
        assert!(!r.accepts(2) && r.accepts(3) && r.accepts(5) && !r.accepts(6));
    }

    #[test]
    fn min_count_is_at_least_one_and_none_when_impossible() {
        assert_eq!(Threshold::Gt(4).min_count(), Some(5));
        assert_eq!(Threshold::Gte(0).min_count(), Some(1));
        assert_eq!(Threshold::Lt(3).min_count(), Some(1));
        assert_eq!(Threshold::Lt(1).min_count(), None);
        assert_eq!(Threshold::Eq(0).min_count(), None);
        assert_eq!(Threshold::Gt(u64::MAX).min_count(), None);
        assert_eq!(Threshold::Range { min: 5, max: 4 }.min_count(), None);
        assert!(!Threshold::Gte(1).has_upper_bound() && Threshold::Lte(1).has_upper_bound());
    }
}
