//! Reading a correlation rule from its YAML document.

use yaml_rust2::{Yaml, YamlLoader};

use super::super::{Level, Origin};
use super::rule::{CorrelationKind, CorrelationRule, FieldAliases, Threshold};

/// The most rules one correlation may reference (a 64-bit mask tracks them).
pub const MAX_REFERENCED_RULES: usize = 64;

/// Why a correlation document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrelationError {
    /// The document is not a mapping with a `correlation:` mapping.
    #[error("no `correlation` mapping in the document")]
    NoCorrelation,
    /// `title` is missing or not text.
    #[error("missing or non-text `title`")]
    MissingTitle,
    /// A top-level key has the wrong type.
    #[error("`{key}` must be {expected}")]
    BadType {
        /// The key.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// `level` is not one of the five levels.
    #[error("unknown level `{0}`")]
    UnknownLevel(String),
    /// `correlation.type` is missing.
    #[error("missing `correlation.type`")]
    MissingType,
    /// `correlation.type` names no known type.
    #[error("unknown correlation type `{0}` (supported: event_count, value_count, temporal, temporal_ordered)")]
    UnknownType(String),
    /// `correlation.rules` is missing or empty.
    #[error("`correlation.rules` must list at least one rule id or name")]
    NoRules,
    /// `correlation.rules` lists too many rules.
    #[error("`correlation.rules` lists {0} rules; at most {MAX_REFERENCED_RULES} are supported")]
    TooManyRules(usize),
    /// A rule is listed twice.
    #[error("rule `{0}` is listed twice in `correlation.rules`")]
    DuplicateRule(String),
    /// `correlation.timespan` is missing.
    #[error("missing `correlation.timespan`")]
    MissingTimespan,
    /// `correlation.timespan` is not `<number><s|m|h|d>`.
    #[error("bad timespan `{0}`: expected a positive number followed by s, m, h or d (e.g. 5m)")]
    BadTimespan(String),
    /// `correlation.condition` is missing where the type needs it.
    #[error("{0} needs a `correlation.condition` mapping")]
    MissingCondition(&'static str),
    /// `correlation.condition` is a boolean expression (draft syntax).
    #[error("boolean-expression conditions (`{0}`) are not supported; use gt/gte/lt/lte/eq")]
    ExpressionCondition(String),
    /// A condition key is unknown or misplaced.
    #[error("unsupported condition key `{0}`")]
    BadConditionKey(String),
    /// A condition count is not a non-negative integer.
    #[error("condition `{0}` must be a non-negative integer")]
    BadCount(&'static str),
    /// The condition combines its keys in a way the specification does not allow.
    #[error("bad condition: {0}")]
    BadCondition(&'static str),
    /// No count of events can satisfy the condition.
    #[error("condition can never be met{0}")]
    Unsatisfiable(String),
    /// value_count without `condition.field`.
    #[error("value_count needs `condition.field` (one field name)")]
    MissingValueField,
    /// temporal_ordered with a condition that does not require every rule.
    #[error("temporal_ordered supports only a condition requiring all {0} rules")]
    PartialOrdered(usize),
    /// `aliases` is malformed.
    #[error("bad alias `{alias}`: {reason}")]
    BadAlias {
        /// The alias name.
        alias: String,
        /// What is wrong.
        reason: String,
    },
}

/// Reads one correlation document. `path` and `origin` are recorded in the rule.
pub fn parse_correlation(
    doc: &Yaml,
    path: &str,
    origin: Origin,
) -> Result<CorrelationRule, String> {
    parse(doc, path, origin).map_err(|e| e.to_string())
}

/// Every document of YAML `text` that has a top-level `correlation` key,
/// each parsed or refused, in order; other documents are skipped. `Err`
/// when the text is not YAML. (The rule set loader splits files itself; this
/// serves tools and tests that hold correlation text alone.)
pub fn parse_correlation_text(
    text: &str,
    path: &str,
    origin: Origin,
) -> Result<Vec<Result<CorrelationRule, String>>, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    Ok(docs
        .iter()
        .filter(|d| !d["correlation"].is_badvalue())
        .map(|d| parse_correlation(d, path, origin))
        .collect())
}

/// [`parse_correlation`] with a typed error.
pub fn parse(doc: &Yaml, path: &str, origin: Origin) -> Result<CorrelationRule, CorrelationError> {
    let corr = &doc["correlation"];
    if !corr.is_hash() {
        return Err(CorrelationError::NoCorrelation);
    }
    let title = doc["title"]
        .as_str()
        .ok_or(CorrelationError::MissingTitle)?
        .to_owned();
    let tags = string_list(&doc["tags"], "tags")?;
    let techniques = tags.iter().filter_map(|t| technique_of(t)).collect();
    let generate = match &doc["generate"] {
        Yaml::BadValue | Yaml::Null => false,
        Yaml::Boolean(b) => *b,
        _ => return Err(bad_type("generate", "true or false")),
    };

    let kind_name = match &corr["type"] {
        Yaml::BadValue | Yaml::Null => return Err(CorrelationError::MissingType),
        Yaml::String(s) => s.as_str(),
        _ => return Err(bad_type("correlation.type", "text")),
    };
    let rules = string_list(&corr["rules"], "correlation.rules")?;
    if rules.is_empty() {
        return Err(CorrelationError::NoRules);
    }
    if rules.len() > MAX_REFERENCED_RULES {
        return Err(CorrelationError::TooManyRules(rules.len()));
    }
    if let Some(dup) = rules
        .iter()
        .enumerate()
        .find_map(|(i, r)| rules[..i].contains(r).then_some(r))
    {
        return Err(CorrelationError::DuplicateRule(dup.clone()));
    }
    let group_by = string_list(&corr["group-by"], "correlation.group-by")?;
    let timespan_micros = match &corr["timespan"] {
        Yaml::BadValue | Yaml::Null => return Err(CorrelationError::MissingTimespan),
        Yaml::String(s) => {
            parse_timespan(s).ok_or_else(|| CorrelationError::BadTimespan(s.clone()))?
        }
        other => return Err(CorrelationError::BadTimespan(scalar_text(other))),
    };
    let (kind, threshold) = parse_kind_and_condition(kind_name, &corr["condition"], rules.len())?;
    let aliases = parse_aliases(&corr["aliases"], &rules)?;

    Ok(CorrelationRule {
        id: optional_text(&doc["id"], "id")?,
        name: optional_text(&doc["name"], "name")?,
        title,
        status: optional_text(&doc["status"], "status")?,
        level: parse_level(&doc["level"])?,
        tags,
        techniques,
        description: optional_text(&doc["description"], "description")?,
        path: path.to_owned(),
        origin,
        kind,
        rules,
        group_by,
        aliases,
        timespan_micros,
        threshold,
        generate,
    })
}

fn bad_type(key: &'static str, expected: &'static str) -> CorrelationError {
    CorrelationError::BadType { key, expected }
}

/// Text of a scalar, for error messages.
fn scalar_text(y: &Yaml) -> String {
    match y {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        _ => "(not a scalar)".to_owned(),
    }
}

fn optional_text(y: &Yaml, key: &'static str) -> Result<Option<String>, CorrelationError> {
    match y {
        Yaml::BadValue | Yaml::Null => Ok(None),
        Yaml::String(s) => Ok(Some(s.clone())),
        Yaml::Integer(_) | Yaml::Real(_) => Ok(Some(scalar_text(y))),
        _ => Err(bad_type(key, "text")),
    }
}

/// A list of strings, or one string as a list of one; absent is empty.
fn string_list(y: &Yaml, key: &'static str) -> Result<Vec<String>, CorrelationError> {
    let item = |v: &Yaml| match v {
        Yaml::String(s) => Ok(s.clone()),
        Yaml::Integer(_) | Yaml::Real(_) => Ok(scalar_text(v)),
        _ => Err(bad_type(key, "a list of text values")),
    };
    match y {
        Yaml::BadValue | Yaml::Null => Ok(Vec::new()),
        Yaml::Array(items) => items.iter().map(item).collect(),
        other => Ok(vec![item(other)?]),
    }
}

fn parse_level(y: &Yaml) -> Result<Level, CorrelationError> {
    match y {
        Yaml::BadValue | Yaml::Null => Ok(Level::Medium),
        Yaml::String(text) => {
            Level::from_name(text).ok_or_else(|| CorrelationError::UnknownLevel(text.clone()))
        }
        _ => Err(bad_type("level", "text")),
    }
}

/// `attack.t1505.003` -> `T1505.003`; other tags -> None.
fn technique_of(tag: &str) -> Option<String> {
    let rest = tag.strip_prefix("attack.")?;
    let id = rest.strip_prefix('t').or_else(|| rest.strip_prefix('T'))?;
    let (main, sub) = match id.split_once('.') {
        Some((m, s)) => (m, Some(s)),
        None => (id, None),
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(main, 4) || sub.is_some_and(|s| !digits(s, 3)) {
        return None;
    }
    Some(format!("T{id}"))
}

/// `<digits><s|m|h|d>` to microseconds; None when malformed, zero or too large.
pub fn parse_timespan(text: &str) -> Option<i64> {
    let unit = text.chars().last()?;
    let number = &text[..text.len() - unit.len_utf8()];
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = number.parse().ok()?;
    let secs_per_unit: i64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    let micros = n.checked_mul(secs_per_unit)?.checked_mul(1_000_000)?;
    (micros > 0).then_some(micros)
}

fn parse_kind_and_condition(
    kind_name: &str,
    cond: &Yaml,
    rule_count: usize,
) -> Result<(CorrelationKind, Threshold), CorrelationError> {
    let all_rules = Threshold::Gte(rule_count as u64);
    let (kind, threshold) = match kind_name {
        "event_count" => {
            let (threshold, field) = parse_condition(cond, "event_count")?;
            if field.is_some() {
                return Err(CorrelationError::BadConditionKey("field".into()));
            }
            (CorrelationKind::EventCount, threshold)
        }
        "value_count" => {
            let (threshold, field) = parse_condition(cond, "value_count")?;
            let field = field.ok_or(CorrelationError::MissingValueField)?;
            (CorrelationKind::ValueCount { field }, threshold)
        }
        "temporal" | "temporal_ordered" => {
            let threshold = match cond {
                Yaml::BadValue | Yaml::Null => all_rules,
                _ => {
                    let (threshold, field) = parse_condition(cond, "temporal")?;
                    if field.is_some() {
                        return Err(CorrelationError::BadConditionKey("field".into()));
                    }
                    threshold
                }
            };
            if kind_name == "temporal" {
                (CorrelationKind::Temporal, threshold)
            } else {
                (CorrelationKind::TemporalOrdered, threshold)
            }
        }
        other => return Err(CorrelationError::UnknownType(other.to_owned())),
    };
    let min = threshold
        .min_count()
        .ok_or_else(|| CorrelationError::Unsatisfiable(String::new()))?;
    match kind {
        CorrelationKind::Temporal if min > rule_count as u64 => Err(
            CorrelationError::Unsatisfiable(format!(" with {rule_count} referenced rules")),
        ),
        CorrelationKind::TemporalOrdered
            if min != rule_count as u64 || !threshold.accepts(rule_count as u64) =>
        {
            Err(CorrelationError::PartialOrdered(rule_count))
        }
        // Ordered matching always requires every rule: store the canonical form.
        CorrelationKind::TemporalOrdered => Ok((kind, all_rules)),
        _ => Ok((kind, threshold)),
    }
}

/// The threshold and the optional `field` of a condition mapping.
fn parse_condition(
    cond: &Yaml,
    kind: &'static str,
) -> Result<(Threshold, Option<String>), CorrelationError> {
    let map = match cond {
        Yaml::Hash(map) => map,
        Yaml::String(expr) => return Err(CorrelationError::ExpressionCondition(expr.clone())),
        _ => return Err(CorrelationError::MissingCondition(kind)),
    };
    let (mut gt, mut gte, mut lt, mut lte, mut eq, mut field) =
        (None, None, None, None, None, None);
    for (key_node, value) in map {
        let (slot, name) = match key_node.as_str().unwrap_or_default() {
            "gt" => (&mut gt, "gt"),
            "gte" => (&mut gte, "gte"),
            "lt" => (&mut lt, "lt"),
            "lte" => (&mut lte, "lte"),
            "eq" => (&mut eq, "eq"),
            "field" => {
                field = Some(match value {
                    Yaml::String(s) => s.clone(),
                    Yaml::Array(items) if items.len() == 1 => items[0]
                        .as_str()
                        .ok_or(CorrelationError::MissingValueField)?
                        .to_owned(),
                    _ => return Err(CorrelationError::MissingValueField),
                });
                continue;
            }
            _ => return Err(CorrelationError::BadConditionKey(scalar_text(key_node))),
        };
        *slot = Some(count_value(value).ok_or(CorrelationError::BadCount(name))?);
    }
    let lower = match (gt, gte) {
        (Some(_), Some(_)) => return Err(CorrelationError::BadCondition("both gt and gte")),
        (Some(n), None) => Some(Threshold::Gt(n)),
        (None, Some(n)) => Some(Threshold::Gte(n)),
        (None, None) => None,
    };
    let upper = match (lt, lte) {
        (Some(_), Some(_)) => return Err(CorrelationError::BadCondition("both lt and lte")),
        (Some(n), None) => Some(Threshold::Lt(n)),
        (None, Some(n)) => Some(Threshold::Lte(n)),
        (None, None) => None,
    };
    let threshold = match (eq, lower, upper) {
        (Some(n), None, None) => Threshold::Eq(n),
        (Some(_), _, _) => {
            return Err(CorrelationError::BadCondition(
                "eq cannot be combined with other bounds",
            ))
        }
        (None, Some(l), None) => l,
        (None, None, Some(u)) => u,
        (None, Some(l), Some(u)) => {
            let min = match l {
                Threshold::Gt(n) => n.checked_add(1),
                Threshold::Gte(n) => Some(n),
                _ => None,
            };
            let max = match u {
                Threshold::Lt(n) => n.checked_sub(1),
                Threshold::Lte(n) => Some(n),
                _ => None,
            };
            match (min, max) {
                (Some(min), Some(max)) => Threshold::Range { min, max },
                _ => return Err(CorrelationError::Unsatisfiable(String::new())),
            }
        }
        (None, None, None) => {
            return Err(CorrelationError::BadCondition(
                "needs one of gt, gte, lt, lte, eq",
            ))
        }
    };
    Ok((threshold, field))
}

fn count_value(y: &Yaml) -> Option<u64> {
    match y {
        Yaml::Integer(i) => u64::try_from(*i).ok(),
        Yaml::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        _ => None,
    }
}

fn parse_aliases(y: &Yaml, rules: &[String]) -> Result<FieldAliases, CorrelationError> {
    let mut out = FieldAliases::new();
    let map = match y {
        Yaml::BadValue | Yaml::Null => return Ok(out),
        Yaml::Hash(map) => map,
        _ => return Err(bad_type("correlation.aliases", "a mapping")),
    };
    for (alias, per_rule) in map {
        let alias = alias
            .as_str()
            .ok_or_else(|| bad_alias(&scalar_text(alias), "the alias name must be text"))?;
        let Yaml::Hash(per_rule) = per_rule else {
            return Err(bad_alias(
                alias,
                "expected a mapping of rule name to field name",
            ));
        };
        let mut fields = std::collections::BTreeMap::new();
        for (rule, field) in per_rule {
            let rule = optional_text(rule, "correlation.aliases")?.unwrap_or_default();
            if !rules.contains(&rule) {
                return Err(bad_alias(
                    alias,
                    &format!("rule `{rule}` is not in correlation.rules"),
                ));
            }
            let field = field
                .as_str()
                .ok_or_else(|| bad_alias(alias, "the field name must be text"))?;
            fields.insert(rule, field.to_owned());
        }
        out.insert(alias.to_owned(), fields);
    }
    Ok(out)
}

fn bad_alias(alias: &str, reason: &str) -> CorrelationError {
    CorrelationError::BadAlias {
        alias: alias.to_owned(),
        reason: reason.to_owned(),
    }
}
