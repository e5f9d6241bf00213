//! Sigma correlation rules: arbitrary YAML through `parse_correlation`, and
//! arbitrary match streams (derived from the bytes) through
//! `CorrelationSet::run`. Never panics; hits keep their invariants.
#![no_main]
use ferret_core::Timestamp;
use ferret_hunt::sigma::correlation::{
    parse_correlation_text, BaseMatch, CorrelationKind, CorrelationRule, CorrelationSet,
    MAX_HIT_EVENTS, MAX_REFERENCED_RULES,
};
use ferret_hunt::sigma::{Origin, RuleId};
use libfuzzer_sys::fuzz_target;

/// Correlations used when the YAML part yields none, one of each kind.
const FALLBACK: &str = "
title: count
name: count
correlation: {type: event_count, rules: [a, b], group-by: [G], timespan: 10s, condition: {gte: 3}}
---
title: capped
correlation: {type: event_count, rules: [c], group-by: [G], timespan: 5s, condition: {gt: 1, lte: 3}}
---
title: values
correlation: {type: value_count, rules: [a], group-by: [G], timespan: 30s, condition: {field: V, gte: 2}}
---
title: temporal
correlation: {type: temporal, rules: [a, b, c], group-by: [G], timespan: 20s}
---
title: ordered
correlation: {type: temporal_ordered, rules: [c, a], group-by: [G], timespan: 8s}
---
title: chained
correlation: {type: temporal_ordered, rules: [count, c], group-by: [G], timespan: 30s}
";

/// Base rule references: `a`..`d` and `id-a`..`id-d`; anything else is unknown.
fn resolve(reference: &str) -> Option<RuleId> {
    let name = reference.strip_prefix("id-").unwrap_or(reference);
    match name {
        "a" => Some(RuleId(0)),
        "b" => Some(RuleId(1)),
        "c" => Some(RuleId(2)),
        "d" => Some(RuleId(3)),
        _ => None,
    }
}

fn parse_all(text: &str) -> Vec<CorrelationRule> {
    let Ok(parsed) = parse_correlation_text(text, "fuzz.yml", Origin::User) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for result in parsed.into_iter().take(16) {
        let Ok(rule) = result else {
            continue;
        };
        assert!(rule.timespan_micros > 0);
        assert!(!rule.rules.is_empty() && rule.rules.len() <= MAX_REFERENCED_RULES);
        assert!(rule.threshold.min_count().is_some());
        for r in &rule.rules {
            let needed = rule.fields_needed(r);
            assert!(needed.len() <= rule.group_by.len() + 1);
        }
        out.push(rule);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (yaml, stream) = data.split_at(split);
    let mut rules = parse_all(&String::from_utf8_lossy(yaml));
    if rules.is_empty() {
        rules = parse_all(FALLBACK);
    }
    let given = rules.len();
    let (set, refused) = CorrelationSet::new(rules, resolve);
    assert_eq!(set.len() + refused.len(), given);
    assert!(refused
        .iter()
        .all(|(i, reason)| *i < given && !reason.is_empty()));

    // Four bytes per match: rule, time (255 = none), group value, counted value.
    let matches: Vec<BaseMatch> = stream
        .get(1..)
        .unwrap_or_default()
        .chunks_exact(4)
        .enumerate()
        .map(|(event, b)| {
            let rule = RuleId(usize::from(b[0] % 5));
            let captured = set
                .captured_fields(rule)
                .iter()
                .enumerate()
                .map(|(k, f)| {
                    let v = if k == 0 { b[2] % 4 } else { b[3] % 8 };
                    (f.clone(), format!("v{v}"))
                })
                .collect();
            BaseMatch {
                rule,
                time: (b[1] != 255).then(|| Timestamp::from_unix_secs(i64::from(b[1]))),
                event,
                captured,
            }
        })
        .collect();
    let out = set.run(&matches);
    assert!(out.untimed as usize <= matches.len());
    let mut last_of: std::collections::HashMap<(usize, Vec<(String, String)>), Timestamp> =
        std::collections::HashMap::new();
    for hit in &out.hits {
        assert!(hit.correlation.0 < set.len());
        assert!(!set.correlation_suppressed(hit.correlation));
        let rule = set.rule(hit.correlation);
        assert!(hit.first <= hit.last);
        assert!(hit.last.unix_micros() - hit.first.unix_micros() <= rule.timespan_micros);
        assert!(!hit.events.is_empty() && hit.events.len() <= MAX_HIT_EVENTS);
        assert!(hit.events.iter().all(|&e| e < matches.len()));
        assert_eq!(hit.group.len(), rule.group_by.len());
        match rule.kind {
            CorrelationKind::TemporalOrdered => assert_eq!(hit.count, rule.rules.len() as u64),
            _ => assert!(rule.threshold.accepts(hit.count)),
        }
        let key = (hit.correlation.0, hit.group.clone());
        if let Some(prev) = last_of.insert(key, hit.last) {
            assert!(prev < hit.first, "hits of one group overlap");
        }
    }
});
