//! End-to-end tests: parsing, resolution and runs over match streams.

use ferret_core::Timestamp;
use yaml_rust2::{Yaml, YamlLoader};

use super::super::{Level, Origin, RuleId};
use super::*;

fn doc(text: &str) -> Yaml {
    YamlLoader::load_from_str(text)
        .expect("test YAML parses")
        .into_iter()
        .next()
        .expect("one document")
}

fn corr(text: &str) -> CorrelationRule {
    match parse_correlation(&doc(text), "test.yml", Origin::User) {
        Ok(rule) => rule,
        Err(e) => panic!("refused: {e}"),
    }
}

fn refusal(text: &str) -> CorrelationError {
    match parse(&doc(text), "test.yml", Origin::User) {
        Ok(rule) => panic!("accepted: {rule:?}"),
        Err(e) => e,
    }
}

/// Base rules a, b, c (ids `id-a`... too) are RuleId 0, 1, 2.
fn resolve(reference: &str) -> Option<RuleId> {
    match reference {
        "a" | "id-a" => Some(RuleId(0)),
        "b" | "id-b" => Some(RuleId(1)),
        "c" | "id-c" => Some(RuleId(2)),
        _ => None,
    }
}

fn set_of(texts: &[&str]) -> CorrelationSet {
    let (set, refused) = CorrelationSet::new(texts.iter().map(|t| corr(t)).collect(), resolve);
    assert!(refused.is_empty(), "refused: {refused:?}");
    set
}

fn m(rule: usize, secs: i64, event: usize, fields: &[(&str, &str)]) -> BaseMatch {
    BaseMatch {
        rule: RuleId(rule),
        time: Some(Timestamp::from_unix_secs(secs)),
        event,
        captured: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

fn user(rule: usize, secs: i64, event: usize, name: &str) -> BaseMatch {
    m(rule, secs, event, &[("User", name)])
}

const EVENT_COUNT: &str = "
title: Many failures
id: corr-1
level: high
tags: [attack.credential_access, attack.t1110.001, attack.t1505]
correlation:
    type: event_count
    rules: [a]
    group-by: [User]
    timespan: 1m
    condition:
        gte: 3
";

#[test]
fn parses_event_count_with_metadata() {
    let r = corr(EVENT_COUNT);
    assert_eq!(r.title, "Many failures");
    assert_eq!(r.id.as_deref(), Some("corr-1"));
    assert_eq!(r.level, Level::High);
    assert_eq!(r.techniques, vec!["T1110.001", "T1505"]);
    assert_eq!(r.kind, CorrelationKind::EventCount);
    assert_eq!(r.rules, vec!["a"]);
    assert_eq!(r.group_by, vec!["User"]);
    assert_eq!(r.timespan_micros, 60_000_000);
    assert_eq!(r.threshold, Threshold::Gte(3));
    assert!(!r.generate);
    assert_eq!(r.fields_needed("a"), vec!["User"]);
}

#[test]
fn timespans() {
    assert_eq!(parse_timespan("30s"), Some(30_000_000));
    assert_eq!(parse_timespan("5m"), Some(300_000_000));
    assert_eq!(parse_timespan("1h"), Some(3_600_000_000));
    assert_eq!(parse_timespan("1d"), Some(86_400_000_000));
    for bad in [
        "",
        "m",
        "5",
        "5M",
        "5 m",
        "-5m",
        "0s",
        "1w",
        "1.5h",
        "5mm",
        "99999999999999d",
        "５m",
    ] {
        assert_eq!(parse_timespan(bad), None, "{bad:?}");
    }
}

#[test]
fn ranges_and_other_conditions() {
    let with = |cond: &str| {
        corr(&format!(
            "title: t\ncorrelation: {{type: event_count, rules: [a], timespan: 1h, condition: {cond}}}"
        ))
        .threshold
    };
    assert_eq!(
        with("{gt: 100, lte: 200}"),
        Threshold::Range { min: 101, max: 200 }
    );
    assert_eq!(with("{gte: 2, lt: 5}"), Threshold::Range { min: 2, max: 4 });
    assert_eq!(with("{lt: 5}"), Threshold::Lt(5));
    assert_eq!(with("{eq: '7'}"), Threshold::Eq(7));
}

#[test]
fn parse_refusals() {
    let base = "title: t\ncorrelation:\n    rules: [a]\n    group-by: [User]\n";
    type Check = fn(&CorrelationError) -> bool;
    let cases: &[(&str, Check)] = &[
        ("    type: event_counts\n    timespan: 5m\n    condition: {gte: 1}\n", |e| {
            matches!(e, CorrelationError::UnknownType(t) if t == "event_counts")
        }),
        ("    timespan: 5m\n    condition: {gte: 1}\n", |e| matches!(e, CorrelationError::MissingType)),
        ("    type: event_count\n    condition: {gte: 1}\n", |e| {
            matches!(e, CorrelationError::MissingTimespan)
        }),
        ("    type: event_count\n    timespan: 5 minutes\n    condition: {gte: 1}\n", |e| {
            matches!(e, CorrelationError::BadTimespan(t) if t == "5 minutes")
        }),
        ("    type: event_count\n    timespan: 300\n    condition: {gte: 1}\n", |e| {
            matches!(e, CorrelationError::BadTimespan(_))
        }),
        ("    type: event_count\n    timespan: 5m\n", |e| {
            matches!(e, CorrelationError::MissingCondition("event_count"))
        }),
        ("    type: event_count\n    timespan: 5m\n    condition: {gte: -1}\n", |e| {
            matches!(e, CorrelationError::BadCount("gte"))
        }),
        ("    type: event_count\n    timespan: 5m\n    condition: {above: 3}\n", |e| {
            matches!(e, CorrelationError::BadConditionKey(k) if k == "above")
        }),
        ("    type: event_count\n    timespan: 5m\n    condition: {eq: 3, gt: 1}\n", |e| {
            matches!(e, CorrelationError::BadCondition(_))
        }),
        ("    type: event_count\n    timespan: 5m\n    condition: {gt: 1, gte: 1}\n", |e| {
            matches!(e, CorrelationError::BadCondition(_))
        }),
        ("    type: event_count\n    timespan: 5m\n    condition: {gt: 5, lt: 6}\n", |e| {
            matches!(e, CorrelationError::Unsatisfiable(_))
        }),
        ("    type: event_count\n    timespan: 5m\n    condition: {eq: 0}\n", |e| {
            matches!(e, CorrelationError::Unsatisfiable(_))
        }),
        ("    type: event_count\n    timespan: 5m\n    condition: {lt: 1}\n", |e| {
            matches!(e, CorrelationError::Unsatisfiable(_))
        }),
        ("    type: event_count\n    timespan: 5m\n    condition: {gte: 2, field: User}\n", |e| {
            matches!(e, CorrelationError::BadConditionKey(k) if k == "field")
        }),
        ("    type: value_count\n    timespan: 5m\n    condition: {gte: 2}\n", |e| {
            matches!(e, CorrelationError::MissingValueField)
        }),
        ("    type: temporal\n    timespan: 5m\n    condition: a and b\n", |e| {
            matches!(e, CorrelationError::ExpressionCondition(_))
        }),
        ("    type: temporal\n    timespan: 5m\n    condition: {gte: 2}\n", |e| {
            matches!(e, CorrelationError::Unsatisfiable(_))
        }),
        ("    type: event_count\n    timespan: 5m\n    condition: {gte: 1}\n    aliases: {ip: {z: src}}\n", |e| {
            matches!(e, CorrelationError::BadAlias { alias, .. } if alias == "ip")
        }),
    ];
    for (i, (tail, check)) in cases.iter().enumerate() {
        let e = refusal(&format!("{base}{tail}"));
        assert!(check(&e), "case {i}: unexpected refusal {e:?}");
        assert!(!e.to_string().is_empty());
    }
    assert_eq!(
        refusal("title: t\ndetection: {}"),
        CorrelationError::NoCorrelation
    );
    assert_eq!(refusal("- a\n- b"), CorrelationError::NoCorrelation);
    assert_eq!(
        refusal("correlation: {type: temporal, rules: [a], timespan: 5m}"),
        CorrelationError::MissingTitle
    );
    assert!(matches!(
        refusal("title: t\nlevel: severe\ncorrelation: {type: temporal, rules: [a], timespan: 5m}"),
        CorrelationError::UnknownLevel(_)
    ));
    assert_eq!(
        refusal("title: t\ncorrelation: {type: temporal, rules: [a, a], timespan: 5m}"),
        CorrelationError::DuplicateRule("a".into())
    );
    assert_eq!(
        refusal("title: t\ncorrelation: {type: temporal_ordered, rules: [a, b], timespan: 5m, condition: {gte: 1}}"),
        CorrelationError::PartialOrdered(2)
    );
    assert_eq!(
        refusal("title: t\ncorrelation: {type: temporal, rules: [], timespan: 5m}"),
        CorrelationError::NoRules
    );
}

#[test]
fn multi_document_text_keeps_only_correlations() {
    let text = "
title: Correlation - failed logins followed by a success
correlation: {type: temporal_ordered, rules: [failed, success], group-by: [User], timespan: 10m}
level: high
---
title: Single failed login
name: failed
logsource: {product: windows, service: security}
detection: {selection: {EventID: 4625}, condition: selection}
---
title: Broken
correlation: {type: sometimes, rules: [failed], timespan: 10m}
";
    let parsed = parse_correlation_text(text, "mr_test.yml", Origin::Shipped).expect("YAML");
    assert_eq!(parsed.len(), 2);
    let first = parsed[0].as_ref().expect("first parses");
    assert_eq!(
        (first.level, first.origin, first.path.as_str()),
        (Level::High, Origin::Shipped, "mr_test.yml")
    );
    assert!(parsed[1]
        .as_ref()
        .is_err_and(|e| e.contains("unknown correlation type `sometimes`")));
    assert!(parse_correlation_text("a: [", "x", Origin::User).is_err());
}

#[test]
fn unknown_rule_reference_is_refused_with_its_index() {
    let ok = corr(EVENT_COUNT);
    let bad = corr("title: t\ncorrelation: {type: temporal, rules: [a, nosuch], timespan: 5m}");
    let (set, refused) = CorrelationSet::new(vec![bad, ok], resolve);
    assert_eq!(set.len(), 1);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].0, 0);
    assert!(
        refused[0].1.contains("unknown rule reference `nosuch`"),
        "{}",
        refused[0].1
    );
    assert_eq!(set.rule(CorrelationId(0)).title, "Many failures");
}

#[test]
fn event_count_threshold_and_groups() {
    let set = set_of(&[EVENT_COUNT]);
    assert_eq!(set.captured_fields(RuleId(0)), ["User".to_owned()]);
    assert!(set.captured_fields(RuleId(1)).is_empty());
    assert!(set.suppressed(RuleId(0)) && !set.suppressed(RuleId(1)));
    let matches = vec![
        user(0, 100, 1, "bob"),
        user(0, 110, 2, "alice"),
        user(0, 120, 3, "bob"),
        user(0, 130, 4, "alice"),
        user(0, 159, 5, "bob"),
        user(1, 140, 6, "alice"), // another rule: not counted
    ];
    let out = set.run(&matches);
    assert_eq!(out.hits.len(), 1, "{out:?}");
    let hit = &out.hits[0];
    assert_eq!(hit.group, vec![("User".to_owned(), "bob".to_owned())]);
    assert_eq!((hit.count, hit.events.clone()), (3, vec![1, 3, 5]));
    assert_eq!(hit.first, Timestamp::from_unix_secs(100));
    assert_eq!(hit.last, Timestamp::from_unix_secs(159));
    assert_eq!(out.untimed, 0);

    // Only two of bob's within a minute: no hit.
    let out = set.run(&[
        user(0, 100, 1, "bob"),
        user(0, 120, 2, "bob"),
        user(0, 161, 3, "bob"),
    ]);
    assert!(out.hits.is_empty(), "{out:?}");
}

#[test]
fn window_edge_is_inclusive() {
    let set = set_of(&["title: t\ncorrelation: {type: event_count, rules: [a], timespan: 10s, condition: {gte: 2}}"]);
    let at = |micros: i64, event| BaseMatch {
        rule: RuleId(0),
        time: Some(Timestamp::from_unix_micros(micros)),
        event,
        captured: Vec::new(),
    };
    assert_eq!(set.run(&[at(0, 0), at(10_000_000, 1)]).hits.len(), 1);
    assert!(set.run(&[at(0, 0), at(10_000_001, 1)]).hits.is_empty());
}

#[test]
fn gt_lt_eq_and_range_thresholds() {
    let rule = |cond: &str| {
        set_of(&[&format!(
            "title: t\ncorrelation: {{type: event_count, rules: [a], group-by: [User], timespan: 1m, condition: {cond}}}"
        )])
    };
    let burst =
        |n: usize| -> Vec<BaseMatch> { (0..n).map(|i| user(0, i as i64, i, "u")).collect() };
    let hits = |cond: &str, n: usize| rule(cond).run(&burst(n)).hits.len();
    assert_eq!((hits("{gt: 3}", 3), hits("{gt: 3}", 4)), (0, 1));
    assert_eq!((hits("{gte: 3}", 2), hits("{gte: 3}", 3)), (0, 1));
    assert_eq!((hits("{lt: 3}", 3), hits("{lt: 3}", 2)), (0, 1));
    assert_eq!((hits("{lte: 3}", 4), hits("{lte: 3}", 3)), (0, 1));
    assert_eq!((hits("{eq: 3}", 4), hits("{eq: 3}", 3)), (0, 1));
    assert_eq!(
        (hits("{gt: 2, lte: 4}", 2), hits("{gt: 2, lte: 4}", 4)),
        (0, 1)
    );
    assert_eq!(hits("{gt: 2, lte: 4}", 5), 0);
    // A capped condition reports the whole window at its end.
    let out = rule("{lte: 3}").run(&burst(3));
    assert_eq!(out.hits[0].count, 3);
}

#[test]
fn a_burst_gives_one_hit_per_window_not_one_per_event() {
    let set = set_of(&[EVENT_COUNT]);
    // 1000 events one second apart: windows of 61 events, back to back.
    let matches: Vec<BaseMatch> = (0..1000).map(|i| user(0, i, i as usize, "bob")).collect();
    let out = set.run(&matches);
    assert_eq!(out.hits.len(), 1000usize.div_ceil(61));
    assert!(out.hits.iter().all(|h| h.events.len() <= MAX_HIT_EVENTS));
    assert_eq!(out.hits[0].count, 61);
    assert_eq!(out.hits[0].events, (0..61).collect::<Vec<_>>());
    for pair in out.hits.windows(2) {
        assert!(pair[0].last < pair[1].first, "hits overlap: {pair:?}");
    }
}

#[test]
fn missing_group_field_is_the_empty_value_and_untimed_are_counted() {
    let set = set_of(&[EVENT_COUNT]);
    let mut matches = vec![
        m(0, 1, 1, &[]),
        m(0, 2, 2, &[("User", "")]),
        m(0, 3, 3, &[("user", "")]),
    ];
    matches.push(BaseMatch {
        time: None,
        ..user(0, 0, 9, "bob")
    });
    matches.push(BaseMatch {
        time: None,
        ..user(2, 0, 10, "bob")
    }); // not correlated
    let out = set.run(&matches);
    assert_eq!(out.untimed, 1);
    assert_eq!(out.hits.len(), 1);
    assert_eq!(out.hits[0].group, vec![("User".to_owned(), String::new())]);
    assert_eq!(out.hits[0].events, vec![1, 2, 3]);
}

#[test]
fn one_event_matching_two_referenced_rules_counts_once() {
    let set = set_of(&["title: t\ncorrelation: {type: event_count, rules: [a, b], group-by: [User], timespan: 1m, condition: {gte: 2}}"]);
    let out = set.run(&[user(0, 5, 7, "u"), user(1, 5, 7, "u")]);
    assert!(out.hits.is_empty(), "{out:?}");
    let out = set.run(&[user(0, 5, 7, "u"), user(1, 5, 8, "u")]);
    assert_eq!(out.hits.len(), 1);
}

#[test]
fn value_count_counts_distinct_values() {
    let set = set_of(&["
title: Spray
correlation:
    type: value_count
    rules: [a]
    group-by: [Ip]
    timespan: 5m
    condition: {field: User, gte: 3}
"]);
    assert_eq!(
        set.captured_fields(RuleId(0)),
        ["Ip".to_owned(), "User".to_owned()]
    );
    let f = |secs, ev, ip, u| m(0, secs, ev, &[("Ip", ip), ("User", u)]);
    let out = set.run(&[
        f(0, 0, "10.0.0.1", "root"),
        f(10, 1, "10.0.0.1", "root"),
        f(20, 2, "10.0.0.1", "admin"),
        f(30, 3, "10.0.0.2", "guest"),
        f(40, 4, "10.0.0.1", "guest"),
    ]);
    assert_eq!(out.hits.len(), 1, "{out:?}");
    assert_eq!(out.hits[0].count, 3);
    assert_eq!(
        out.hits[0].group,
        vec![("Ip".to_owned(), "10.0.0.1".to_owned())]
    );
    assert_eq!(out.hits[0].events, vec![0, 1, 2, 4]);
    // Repeats of two names never reach three.
    let out = set.run(&[
        f(0, 0, "10.0.0.1", "root"),
        f(1, 1, "10.0.0.1", "admin"),
        f(2, 2, "10.0.0.1", "root"),
        f(3, 3, "10.0.0.1", "admin"),
        m(0, 4, 4, &[("Ip", "10.0.0.1")]), // no User: not a value
    ]);
    assert!(out.hits.is_empty(), "{out:?}");
}

const TEMPORAL: &str = "
title: Recon
correlation:
    type: temporal
    rules: [a, b, c]
    group-by: [User]
    timespan: 5m
";

#[test]
fn temporal_needs_every_rule_in_any_order() {
    let set = set_of(&[TEMPORAL]);
    assert_eq!(set.rule(CorrelationId(0)).threshold, Threshold::Gte(3));
    let out = set.run(&[
        user(2, 0, 0, "u"),
        user(0, 60, 1, "u"),
        user(1, 120, 2, "u"),
    ]);
    assert_eq!(out.hits.len(), 1);
    assert_eq!(out.hits[0].count, 3);
    // b is outside the window.
    let out = set.run(&[
        user(2, 0, 0, "u"),
        user(0, 60, 1, "u"),
        user(1, 301, 2, "u"),
    ]);
    assert!(out.hits.is_empty());
    // Different users.
    let out = set.run(&[
        user(2, 0, 0, "u"),
        user(0, 60, 1, "u"),
        user(1, 120, 2, "v"),
    ]);
    assert!(out.hits.is_empty());
    // Two of three, with a condition asking for two.
    let two = set_of(&["title: t\ncorrelation: {type: temporal, rules: [a, b, c], timespan: 5m, condition: {gte: 2}}"]);
    assert_eq!(
        two.run(&[user(2, 0, 0, "u"), user(2, 1, 1, "u"), user(0, 2, 2, "u")])
            .hits
            .len(),
        1
    );
    assert!(two
        .run(&[user(2, 0, 0, "u"), user(2, 1, 1, "u")])
        .hits
        .is_empty());
}

#[test]
fn temporal_ordered_needs_the_listed_order() {
    let set = set_of(&["title: t\ncorrelation: {type: temporal_ordered, rules: [a, b, c], group-by: [User], timespan: 5m}"]);
    let ordered = [
        user(0, 0, 0, "u"),
        user(1, 60, 1, "u"),
        user(2, 120, 2, "u"),
    ];
    let out = set.run(&ordered);
    assert_eq!(out.hits.len(), 1);
    assert_eq!(out.hits[0].events, vec![0, 1, 2]);
    let shuffled = [
        user(2, 0, 0, "u"),
        user(0, 60, 1, "u"),
        user(1, 120, 2, "u"),
    ];
    assert!(set.run(&shuffled).hits.is_empty());
    // The same events through the unordered type do match.
    assert_eq!(set_of(&[TEMPORAL]).run(&shuffled).hits.len(), 1);
    // Equal times are ordered by the caller's event index.
    let tied = [user(1, 5, 2, "u"), user(0, 5, 1, "u"), user(2, 5, 3, "u")];
    assert_eq!(set.run(&tied).hits.len(), 1);
    let tied_wrong = [user(1, 5, 1, "u"), user(0, 5, 2, "u"), user(2, 5, 3, "u")];
    assert!(set.run(&tied_wrong).hits.is_empty());
}

#[test]
fn aliases_group_different_fields_together() {
    let set = set_of(&["
title: Error then connection
correlation:
    type: temporal
    rules: [a, b]
    group-by: [internal_ip, remote_ip]
    timespan: 10s
    aliases:
        internal_ip: {a: destination.ip, b: source.ip}
        remote_ip: {a: source.ip, b: destination.ip}
"]);
    assert_eq!(
        set.captured_fields(RuleId(0)),
        ["destination.ip".to_owned(), "source.ip".to_owned()]
    );
    assert_eq!(
        set.rule(CorrelationId(0)).fields_needed("b"),
        vec!["source.ip", "destination.ip"]
    );
    let a = |secs, ev, dst, src| m(0, secs, ev, &[("destination.ip", dst), ("source.ip", src)]);
    let b = |secs, ev, src, dst| m(1, secs, ev, &[("source.ip", src), ("destination.ip", dst)]);
    let out = set.run(&[
        a(0, 0, "10.1.1.1", "203.0.113.9"),
        b(5, 1, "10.1.1.1", "203.0.113.9"),
    ]);
    assert_eq!(out.hits.len(), 1, "{out:?}");
    assert_eq!(
        out.hits[0].group,
        vec![
            ("internal_ip".to_owned(), "10.1.1.1".to_owned()),
            ("remote_ip".to_owned(), "203.0.113.9".to_owned())
        ]
    );
    // Same fields without the swap do not correlate.
    let out = set.run(&[
        a(0, 0, "10.1.1.1", "203.0.113.9"),
        b(5, 1, "203.0.113.9", "10.1.1.1"),
    ]);
    assert!(out.hits.is_empty());
}

const CHAIN: [&str; 2] = [
    "
title: Failed logins followed by a success
level: high
correlation:
    type: temporal_ordered
    rules: [many_failed, b]
    group-by: [User]
    timespan: 10m
",
    "
title: Many failed logins
name: many_failed
correlation:
    type: event_count
    rules: [a]
    group-by: [User]
    timespan: 10m
    condition: {gte: 3}
",
];

#[test]
fn chained_correlations() {
    let set = set_of(&CHAIN);
    assert!(set.correlation_suppressed(CorrelationId(1)));
    assert!(!set.correlation_suppressed(CorrelationId(0)));
    assert!(set.suppressed(RuleId(0)) && set.suppressed(RuleId(1)));
    let mut matches: Vec<BaseMatch> = (0..3).map(|i| user(0, i * 10, i as usize, "bob")).collect();
    matches.push(user(1, 60, 10, "bob"));
    // Failures well after the success extend the inner window but the chain
    // sees the inner hit at the time its count was reached (t=20).
    matches.push(user(0, 100, 11, "bob"));
    let out = set.run(&matches);
    assert_eq!(out.hits.len(), 1, "{out:?}");
    let hit = &out.hits[0];
    assert_eq!(hit.correlation, CorrelationId(0));
    assert_eq!(hit.group, vec![("User".to_owned(), "bob".to_owned())]);
    assert_eq!(hit.events, vec![0, 1, 2, 11, 10]);
    // Success before the failures: no hit; too few failures: no hit.
    let mut early = vec![user(1, 0, 10, "bob")];
    early.extend((0..3).map(|i| user(0, 10 + i, i as usize, "bob")));
    assert!(set.run(&early).hits.is_empty());
    assert!(set
        .run(&[
            user(0, 0, 0, "bob"),
            user(0, 1, 1, "bob"),
            user(1, 5, 2, "bob")
        ])
        .hits
        .is_empty());
}

#[test]
fn generate_true_keeps_base_rules_and_inner_hits_visible() {
    let outer = CHAIN[0].replace("level: high", "level: high\ngenerate: true");
    let set = set_of(&[&outer, CHAIN[1]]);
    assert!(!set.correlation_suppressed(CorrelationId(1)));
    assert!(!set.suppressed(RuleId(1)));
    assert!(
        set.suppressed(RuleId(0)),
        "a is only referenced by the inner correlation"
    );
}

#[test]
fn chain_refusals() {
    let cyc1 = "title: x\nname: x\ncorrelation: {type: temporal, rules: [y, a], group-by: [User], timespan: 5m}";
    let cyc2 = "title: y\nname: y\ncorrelation: {type: temporal, rules: [x, b], group-by: [User], timespan: 5m}";
    let uses =
        "title: z\ncorrelation: {type: temporal, rules: [x, b], group-by: [User], timespan: 5m}";
    let selfref = "title: s\nname: s\ncorrelation: {type: event_count, rules: [s], timespan: 5m, condition: {gte: 2}}";
    let (set, refused) = CorrelationSet::new(
        [cyc1, cyc2, uses, selfref, EVENT_COUNT]
            .iter()
            .map(|t| corr(t))
            .collect(),
        resolve,
    );
    assert_eq!(set.len(), 1);
    let idx: Vec<usize> = refused.iter().map(|(i, _)| *i).collect();
    assert_eq!(idx, vec![0, 1, 2, 3]);
    assert!(refused[0].1.contains("cycle"), "{}", refused[0].1);
    assert!(refused[3].1.contains("itself"), "{}", refused[3].1);

    // The outer correlation groups by a field the inner one does not pass on.
    let outer = CHAIN[0].replace("group-by: [User]", "group-by: [Computer]");
    let (set, refused) = CorrelationSet::new(vec![corr(&outer), corr(CHAIN[1])], resolve);
    assert_eq!(set.len(), 1);
    assert_eq!(refused.len(), 1);
    assert!(refused[0].1.contains("`Computer`"), "{}", refused[0].1);
}

#[test]
fn hit_events_are_capped_and_unique() {
    let set = set_of(&["title: t\ncorrelation: {type: event_count, rules: [a, b], timespan: 1h, condition: {gte: 100}}"]);
    let mut matches: Vec<BaseMatch> = (0..300).map(|i| m(0, i, i as usize, &[])).collect();
    matches.extend((0..300).map(|i| m(1, i, i as usize, &[])));
    let out = set.run(&matches);
    assert_eq!(out.hits.len(), 1);
    assert_eq!(out.hits[0].count, 300);
    assert_eq!(out.hits[0].events, (0..64).collect::<Vec<_>>());
}

/// A direct, quadratic statement of the window semantics, to check the engine against.
fn reference(
    kind: &CorrelationKind,
    threshold: Threshold,
    span: i64,
    rules: usize,
    items: &[(i64, usize, u64, Option<u32>)],
) -> Vec<(usize, usize, u64)> {
    // items: (time, event, mask, value), already in engine order.
    let mut out = Vec::new();
    let mut cursor = 0;
    if *kind == CorrelationKind::TemporalOrdered {
        while cursor < items.len() {
            // The first completion point, with the latest start that fits.
            let in_order = |s: usize, i: usize| {
                let mut need = 0;
                for it in &items[s..=i] {
                    if need < rules && it.2 & (1 << need) != 0 {
                        need += 1;
                    }
                }
                need == rules
            };
            let found = (cursor..items.len()).find_map(|i| {
                (cursor..=i)
                    .rev()
                    .take_while(|&s| items[i].0 - items[s].0 <= span)
                    .find(|&s| in_order(s, i))
            });
            let Some(s) = found else { break };
            let end = (s..items.len())
                .take_while(|&j| items[j].0 - items[s].0 <= span)
                .count()
                + s;
            out.push((s, end, rules as u64));
            cursor = end;
        }
        return out;
    }
    while cursor < items.len() {
        let end = (cursor..items.len())
            .take_while(|&j| items[j].0 - items[cursor].0 <= span)
            .count()
            + cursor;
        let window = &items[cursor..end];
        let count = match kind {
            CorrelationKind::EventCount => window.len() as u64,
            CorrelationKind::ValueCount { .. } => {
                let mut v: Vec<u32> = window.iter().filter_map(|w| w.3).collect();
                v.sort_unstable();
                v.dedup();
                v.len() as u64
            }
            _ => (0..rules)
                .filter(|k| window.iter().any(|w| w.2 & (1 << k) != 0))
                .count() as u64,
        };
        if threshold.accepts(count) {
            out.push((cursor, end, count));
            cursor = end;
        } else if threshold.has_upper_bound() {
            cursor = end;
        } else {
            cursor += 1;
        }
    }
    out
}

/// Deterministic pseudo-random numbers (a 64-bit LCG).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn engine_agrees_with_the_reference_on_random_streams() {
    let mut rng = Lcg(7);
    let specs = [
        "{type: event_count, rules: [a, b], group-by: [G], timespan: 10s, condition: {gte: 3}}",
        "{type: event_count, rules: [a], group-by: [G], timespan: 10s, condition: {lte: 2}}",
        "{type: event_count, rules: [a, b, c], group-by: [G], timespan: 7s, condition: {gt: 1, lt: 4}}",
        "{type: value_count, rules: [a, b], group-by: [G], timespan: 20s, condition: {field: V, gte: 3}}",
        "{type: value_count, rules: [a], group-by: [G], timespan: 20s, condition: {field: V, eq: 2}}",
        "{type: temporal, rules: [a, b, c], group-by: [G], timespan: 15s}",
        "{type: temporal, rules: [a, b, c], group-by: [G], timespan: 15s, condition: {gte: 2}}",
        "{type: temporal_ordered, rules: [a, b, c], group-by: [G], timespan: 15s}",
        "{type: temporal_ordered, rules: [c, a], group-by: [G], timespan: 4s}",
    ];
    let mut checked_hits = 0;
    for spec in specs {
        let set = set_of(&[&format!("title: t\ncorrelation: {spec}")]);
        let rule = set.rule(CorrelationId(0)).clone();
        let position = |r: usize| {
            rule.rules
                .iter()
                .position(|x| resolve(x) == Some(RuleId(r)))
        };
        for round in 0..30 {
            let n = 5 + rng.next(60) as usize;
            let matches: Vec<BaseMatch> = (0..n)
                .map(|i| {
                    let g = ["g1", "g2"][rng.next(2) as usize];
                    let v = ["x", "y", "z", "w"][rng.next(4) as usize];
                    m(
                        rng.next(3) as usize,
                        rng.next(80) as i64,
                        i,
                        &[("G", g), ("V", v)],
                    )
                })
                .collect();
            let out = set.run(&matches);
            let mut expected = Vec::new();
            for g in ["g1", "g2"] {
                let mut items: Vec<(i64, usize, u64, Option<u32>)> = matches
                    .iter()
                    .filter(|x| x.captured[0].1 == g)
                    .filter_map(|x| {
                        let pos = position(x.rule.0)?;
                        let v = x.captured[1].1.bytes().next().map(u32::from);
                        Some((
                            x.time.map_or(0, |t| t.unix_micros()),
                            x.event,
                            1u64 << pos,
                            v,
                        ))
                    })
                    .collect();
                items.sort_by_key(|it| (it.0, it.1));
                for (s, e, count) in reference(
                    &rule.kind,
                    rule.threshold,
                    rule.timespan_micros,
                    rule.rules.len(),
                    &items,
                ) {
                    let events: Vec<usize> = items[s..e]
                        .iter()
                        .map(|it| it.1)
                        .take(MAX_HIT_EVENTS)
                        .collect();
                    expected.push((
                        g.to_owned(),
                        Timestamp::from_unix_micros(items[s].0),
                        count,
                        events,
                    ));
                }
            }
            let mut got: Vec<_> = out
                .hits
                .iter()
                .map(|h| (h.group[0].1.clone(), h.first, h.count, h.events.clone()))
                .collect();
            got.sort();
            expected.sort();
            assert_eq!(got, expected, "spec {spec}, round {round}");
            checked_hits += got.len();
        }
    }
    assert!(
        checked_hits > 100,
        "too few hits to mean anything: {checked_hits}"
    );
}

/// `users` x 20 clusters x 10 matches (users >= 961), checked.
fn scale_run(users: i64) {
    // Users x 20 clusters x 10 matches, shuffled. Even clusters are
    // bursts (10 matches 1 s apart), odd ones are spread 100 s apart.
    let mut matches = Vec::with_capacity(200_000);
    for u in 0..users {
        let name = format!("user{u}");
        for k in 0..20i64 {
            let step = if k % 2 == 0 { 1 } else { 100 };
            for j in 0..10i64 {
                let secs = k * 7200 + u + j * step;
                let event = matches.len();
                matches.push(m(0, secs, event, &[("User", &name)]));
            }
        }
    }
    let mut rng = Lcg(42);
    for i in (1..matches.len()).rev() {
        let j = rng.next(i as u64 + 1) as usize;
        matches.swap(i, j);
    }
    // A minute of an odd cluster holds at most 61 users for each of the 10
    // spreads (100 s apart): 610 distinct names, reached in every odd cluster.
    let set = set_of(&[
        EVENT_COUNT.replace("gte: 3", "gte: 5").as_str(),
        "title: v\ncorrelation: {type: value_count, rules: [a], timespan: 1m, condition: {field: User, gte: 610}}",
        "title: w\ncorrelation: {type: value_count, rules: [a], timespan: 1m, condition: {field: User, gte: 611}}",
    ]);
    let started = std::time::Instant::now();
    let out = set.run(&matches);
    let elapsed = started.elapsed();
    println!(
        "{} matches: {} hits in {elapsed:?}",
        matches.len(),
        out.hits.len()
    );
    let of = |c| {
        out.hits
            .iter()
            .filter(move |h: &&CorrelationHit| h.correlation == CorrelationId(c))
    };
    assert_eq!(of(0).count(), users as usize * 10);
    assert!(
        of(0).all(|h| h.count == 10 && h.last.unix_micros() - h.first.unix_micros() == 9_000_000)
    );
    let mut names = std::collections::HashSet::new();
    for h in of(0) {
        assert_eq!(h.events.len(), 10);
        names.insert(h.group[0].1.clone());
    }
    assert_eq!(names.len(), users as usize);
    assert!(of(1).all(|h| h.count == 610 && h.group.is_empty()));
    let clusters: std::collections::BTreeSet<i64> = of(1)
        .map(|h| h.first.unix_micros() / 1_000_000 / 7200)
        .collect();
    assert_eq!(clusters, (0..20).filter(|k| k % 2 == 1).collect());
    assert_eq!(of(2).count(), 0);
}

#[test]
fn two_hundred_thousand_matches() {
    scale_run(1000);
}

/// The scale; debug builds take a few seconds (`--ignored` to run).
#[test]
#[ignore]
fn one_million_matches() {
    scale_run(5000);
}

/// Real data: DeepBlueCLI's password-spray sample (4648 explicit-credential
/// logons against many accounts from one address). Each 4648 event stands in
/// for a base rule match; the engine must agree with the reference semantics
/// and find the spray.
#[test]
fn password_spray_sample() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/datasets/evtx/DeepBlueCLI/password-spray.evtx");
    if !path.exists() {
        println!("skipped: {} not found", path.display());
        return;
    }
    let mut events = Vec::new();
    let mut sink = |item: ferret_logs::Item| {
        if let ferret_logs::Item::Event(e) = item {
            events.push(e);
        }
        std::ops::ControlFlow::Continue(())
    };
    ferret_logs::evtx::read_path(&path, "password-spray.evtx", &mut sink);
    let set = set_of(&["
title: Password spray
correlation:
    type: value_count
    rules: [a]
    group-by: [IpAddress]
    timespan: 5m
    condition: {field: TargetUserName, gte: 10}
"]);
    let fields = set.captured_fields(RuleId(0)).to_vec();
    let matches: Vec<BaseMatch> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.fields.get("EventID").and_then(|v| v.as_i64()) == Some(4648))
        .map(|(i, e)| BaseMatch {
            rule: RuleId(0),
            time: e.time,
            event: i,
            captured: fields
                .iter()
                .filter_map(|f| Some((f.clone(), e.fields.text(f)?.into_owned())))
                .collect(),
        })
        .collect();
    assert!(
        matches.len() > 200,
        "expected the sample's 4648 events, got {}",
        matches.len()
    );
    let out = set.run(&matches);
    println!(
        "password-spray.evtx: {} matches, hits: {:?}",
        matches.len(),
        out.hits
            .iter()
            .map(|h| (&h.group, h.count))
            .collect::<Vec<_>>()
    );
    assert!(!out.hits.is_empty());
    assert!(out.hits.iter().all(|h| h.count >= 10));
    assert!(out
        .hits
        .iter()
        .any(|h| h.group == [("IpAddress".to_owned(), "172.16.144.128".to_owned())]));

    let value_id = |m: &BaseMatch| {
        m.captured
            .iter()
            .find(|(k, _)| k == "TargetUserName")
            .map(|(_, v)| v.clone())
    };
    let mut names: Vec<String> = matches.iter().filter_map(value_id).collect();
    names.sort();
    names.dedup();
    let mut groups: Vec<String> = matches.iter().map(|m| m.captured[0].1.clone()).collect();
    groups.sort();
    groups.dedup();
    let rule = set.rule(CorrelationId(0));
    let mut expected = 0;
    for g in &groups {
        let mut items: Vec<(i64, usize, u64, Option<u32>)> = matches
            .iter()
            .filter(|m| &m.captured[0].1 == g)
            .map(|m| {
                let v = value_id(m)
                    .and_then(|v| names.binary_search(&v).ok())
                    .map(|i| i as u32);
                (m.time.map_or(0, |t| t.unix_micros()), m.event, 1, v)
            })
            .collect();
        items.sort_by_key(|it| (it.0, it.1));
        expected += reference(&rule.kind, rule.threshold, rule.timespan_micros, 1, &items).len();
    }
    assert_eq!(out.hits.len(), expected);
}
