//! YAML files to rule documents: multi-document files (`action: global`,
//! `action: repeat`, `action: reset`), correlation documents, and the
//! metadata of a rule.

use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlLoader};

use super::pattern::Refusal;
use super::{Level, LogSource, Origin, RuleMeta};

/// Documents nested deeper than this are refused (keeps recursion bounded).
const MAX_NESTING: usize = 48;

/// One document of a file, classified.
#[derive(Debug)]
pub(crate) enum Doc {
    /// A rule (after merging `global`/`repeat` documents).
    Rule(Yaml),
    /// A correlation rule (top-level `correlation:`).
    Correlation(Yaml),
    /// Not a rule (a refusal reason).
    Refused(String),
}

fn nesting_exceeds(root: &Yaml, limit: usize) -> bool {
    let mut stack = vec![(root, 0usize)];
    while let Some((y, d)) = stack.pop() {
        if d > limit {
            return true;
        }
        match y {
            Yaml::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Yaml::Hash(h) => {
                for (k, v) in h {
                    stack.push((k, d + 1));
                    stack.push((v, d + 1));
                }
            }
            _ => {}
        }
    }
    false
}

fn merge(base: &Yaml, over: &Yaml) -> Yaml {
    match (base, over) {
        (Yaml::Hash(b), Yaml::Hash(o)) => {
            let mut out: Hash = b.clone();
            for (k, v) in o {
                let merged = match out.get(k) {
                    Some(bv @ Yaml::Hash(_)) if matches!(v, Yaml::Hash(_)) => merge(bv, v),
                    _ => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Yaml::Hash(out)
        }
        (_, o) => o.clone(),
    }
}

fn without_action(y: &Yaml) -> Yaml {
    match y {
        Yaml::Hash(h) => {
            let mut h = h.clone();
            h.remove(&Yaml::String("action".into()));
            Yaml::Hash(h)
        }
        other => other.clone(),
    }
}

/// Splits a file's text into documents (0-based index, classification).
/// A file that is not YAML at all gives one refused document 0.
pub(crate) fn split(text: &str) -> Vec<(usize, Doc)> {
    let docs = match YamlLoader::load_from_str(text) {
        Ok(d) => d,
        Err(e) => return vec![(0, Doc::Refused(format!("YAML: {e}")))],
    };
    let mut out = Vec::new();
    let mut global: Option<Yaml> = None;
    let mut prev: Option<Yaml> = None;
    for (i, d) in docs.iter().enumerate() {
        if matches!(d, Yaml::Null) {
            continue;
        }
        if !matches!(d, Yaml::Hash(_)) {
            out.push((i, Doc::Refused("document is not a map".into())));
            continue;
        }
        if nesting_exceeds(d, MAX_NESTING) {
            out.push((i, Doc::Refused("document nested too deeply".into())));
            continue;
        }
        let action = match &d["action"] {
            Yaml::BadValue => None,
            Yaml::String(s) => Some(s.as_str()),
            _ => {
                out.push((i, Doc::Refused("action is not text".into())));
                continue;
            }
        };
        let rule = match action {
            Some("global") => {
                global = Some(without_action(d));
                continue;
            }
            Some("reset") => {
                global = None;
                prev = None;
                continue;
            }
            Some("repeat") => match &prev {
                Some(p) => merge(p, &without_action(d)),
                None => {
                    out.push((
                        i,
                        Doc::Refused("action: repeat without a previous rule".into()),
                    ));
                    continue;
                }
            },
            Some(other) => {
                let other: String = other.chars().take(40).collect();
                out.push((i, Doc::Refused(format!("unknown action {other:?}"))));
                continue;
            }
            None if !matches!(d["correlation"], Yaml::BadValue) => {
                out.push((i, Doc::Correlation(d.clone())));
                continue;
            }
            None => match &global {
                Some(g) => merge(g, d),
                None => d.clone(),
            },
        };
        prev = Some(rule.clone());
        out.push((i, Doc::Rule(rule)));
    }
    if out.is_empty() {
        out.push((0, Doc::Refused("no rule in file".into())));
    }
    out
}

fn text(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Real(r) => Some(r.clone()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text_list(y: &Yaml) -> Vec<String> {
    match y {
        Yaml::Array(items) => items.iter().filter_map(text).collect(),
        other => text(other).into_iter().collect(),
    }
}

/// `attack.t1505.003` -> `T1505.003`.
pub(crate) fn technique_of(tag: &str) -> Option<String> {
    let rest = tag.strip_prefix("attack.")?;
    let t = rest.strip_prefix('t').or_else(|| rest.strip_prefix('T'))?;
    let (main, sub) = match t.split_once('.') {
        Some((m, s)) => (m, Some(s)),
        None => (t, None),
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(main, 4) || sub.is_some_and(|s| !digits(s, 3)) {
        return None;
    }
    Some(match sub {
        Some(s) => format!("T{main}.{s}"),
        None => format!("T{main}"),
    })
}

/// The `id:` and `title:` of a document, for reports.
pub(crate) fn id_title(doc: &Yaml) -> (Option<String>, Option<String>) {
    (text(&doc["id"]), text(&doc["title"]))
}

/// A rule's metadata.
pub(crate) fn meta(doc: &Yaml, path: &str, origin: Origin) -> Result<RuleMeta, Refusal> {
    let title = text(&doc["title"]).ok_or_else(|| Refusal::new("missing title"))?;
    let level = match &doc["level"] {
        Yaml::BadValue | Yaml::Null => Level::Medium,
        y => {
            let name = text(y).unwrap_or_default();
            Level::from_name(&name).ok_or_else(|| {
                Refusal::new(format!(
                    "unknown level {:?}",
                    name.chars().take(40).collect::<String>()
                ))
            })?
        }
    };
    let tags = text_list(&doc["tags"]);
    let mut techniques: Vec<String> = Vec::new();
    for t in tags
        .iter()
        .filter_map(|t| technique_of(&t.to_ascii_lowercase()))
    {
        if !techniques.contains(&t) {
            techniques.push(t);
        }
    }
    let ls = &doc["logsource"];
    let logsource = match ls {
        Yaml::Hash(_) => LogSource {
            product: text(&ls["product"]),
            category: text(&ls["category"]),
            service: text(&ls["service"]),
        },
        Yaml::BadValue | Yaml::Null => LogSource::default(),
        _ => return Err(Refusal::new("logsource is not a map")),
    };
    Ok(RuleMeta {
        id: text(&doc["id"]),
        name: text(&doc["name"]),
        title,
        description: text(&doc["description"]),
        status: text(&doc["status"]),
        level,
        tags,
        techniques,
        references: text_list(&doc["references"]),
        falsepositives: text_list(&doc["falsepositives"]),
        fields: text_list(&doc["fields"]),
        author: text(&doc["author"]),
        logsource,
        path: path.to_owned(),
        origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn techniques_from_tags() {
        assert_eq!(
            technique_of("attack.t1505.003").as_deref(),
            Some("T1505.003")
        );
        assert_eq!(technique_of("attack.t1505").as_deref(), Some("T1505"));
        assert_eq!(technique_of("attack.persistence"), None);
        assert_eq!(technique_of("attack.t15"), None);
        assert_eq!(technique_of("cve.2021.1"), None);
    }

    #[test]
    fn global_repeat_reset() {
        let text = "action: global\ntitle: T\nlogsource: {product: windows}\ndetection: {condition: s}\n---\ndetection: {s: {a: 1}}\n---\naction: repeat\ndetection: {s: {a: 2}}\n---\naction: reset\n---\ntitle: U\ndetection: {s: x, condition: s}\n";
        let docs = split(text);
        assert_eq!(docs.len(), 3);
        let Doc::Rule(r1) = &docs[0].1 else {
            panic!("rule")
        };
        assert_eq!(docs[0].0, 1);
        assert_eq!(r1["title"].as_str(), Some("T"));
        assert_eq!(r1["detection"]["condition"].as_str(), Some("s"));
        assert_eq!(r1["detection"]["s"]["a"].as_i64(), Some(1));
        let Doc::Rule(r2) = &docs[1].1 else {
            panic!("rule")
        };
        assert_eq!(r2["detection"]["s"]["a"].as_i64(), Some(2));
        assert_eq!(r2["logsource"]["product"].as_str(), Some("windows"));
        let Doc::Rule(r3) = &docs[2].1 else {
            panic!("rule")
        };
        assert_eq!(docs[2].0, 4);
        assert!(r3["logsource"].is_badvalue());
    }

    #[test]
    fn odd_documents() {
        assert!(matches!(split("a: [").as_slice(), [(0, Doc::Refused(_))]));
        assert!(matches!(split("").as_slice(), [(0, Doc::Refused(_))]));
        assert!(matches!(split("- a").as_slice(), [(0, Doc::Refused(_))]));
        assert!(matches!(
            split("action: repeat\n").as_slice(),
            [(0, Doc::Refused(_))]
        ));
        assert!(matches!(
            split("title: c\ncorrelation: {type: event_count}").as_slice(),
            [(0, Doc::Correlation(_))]
        ));
        let deep = format!("a: {}1{}", "[".repeat(100), "]".repeat(100));
        assert!(matches!(split(&deep).as_slice(), [(0, Doc::Refused(_))]));
    }
}
