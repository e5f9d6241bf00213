//! The field mappings of `rules/mappings/jsonl-fields.toml`: which JSON shapes
//! get which EVTX-style names.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The mapping file shipped with Ferret.
pub const BUILTIN: &str = include_str!("../../../../rules/mappings/jsonl-fields.toml");

/// Why a mapping file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("jsonl field mappings, line {line}: {message}")]
pub struct MappingError {
    /// The 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Every mapping: time fields, integer fields and shapes, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mappings {
    /// Fields tried in order for the event time.
    pub time: Vec<String>,
    /// Fields turned into integers when they hold one.
    pub integers: Vec<String>,
    /// The shapes, in the order they apply.
    pub shapes: Vec<Shape>,
}

/// One JSON shape (Winlogbeat, ECS, ...) and the names it adds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    /// Its name, for messages.
    pub name: String,
    /// Fields (or prefixes of flattened fields) any of which marks the shape.
    pub detect: Vec<String>,
    /// Fields that may hold a whole event as text (XML, JSON, audit record).
    pub embedded: Vec<String>,
    /// Prefixes whose fields are also added under the rest of their name.
    pub unprefix: Vec<String>,
    /// Target name and its sources, the first present one used.
    pub rename: Vec<(String, Vec<String>)>,
    /// Record type and the auditd record types it also stands for.
    pub also_types: Vec<(String, Vec<String>)>,
}

impl Mappings {
    /// The built-in mappings (empty if the shipped file were unreadable, which
    /// the crate's tests rule out).
    pub fn builtin() -> &'static Mappings {
        static BUILT: OnceLock<Mappings> = OnceLock::new();
        BUILT.get_or_init(|| Mappings::parse(BUILTIN).unwrap_or_default())
    }

    /// Reads a mapping file.
    pub fn parse(text: &str) -> Result<Mappings, MappingError> {
        let file: File = toml::from_str(text).map_err(|e| MappingError {
            line: e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].lines().count().max(1)
            }),
            message: e.message().to_owned(),
        })?;
        let pairs = |m: BTreeMap<String, OneOrMany>| -> Vec<(String, Vec<String>)> {
            m.into_iter().map(|(k, v)| (k, v.into_vec())).collect()
        };
        Ok(Mappings {
            time: file.time,
            integers: file.integers,
            shapes: file
                .shape
                .into_iter()
                .map(|s| Shape {
                    name: s.name,
                    detect: s.detect,
                    embedded: s.embedded,
                    unprefix: s.unprefix,
                    rename: pairs(s.rename),
                    also_types: pairs(s.also_types),
                })
                .collect(),
        })
    }
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    time: Vec<String>,
    #[serde(default)]
    integers: Vec<String>,
    #[serde(default)]
    shape: Vec<RawShape>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShape {
    name: String,
    #[serde(default)]
    detect: Vec<String>,
    #[serde(default)]
    embedded: Vec<String>,
    #[serde(default)]
    unprefix: Vec<String>,
    #[serde(default)]
    rename: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    also_types: BTreeMap<String, OneOrMany>,
}

/// `"a"` or `["a", "b"]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_file_parses_with_every_shape() {
        let m = Mappings::parse(BUILTIN).unwrap();
        let names: Vec<&str> = m.shapes.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "winlogbeat",
                "winlogbeat-legacy",
                "flat-windows",
                "azure-monitor",
                "embedded-message",
                "auoms",
                "ecs"
            ]
        );
        assert_eq!(m.time.first().map(String::as_str), Some("@timestamp"));
        let wlb = &m.shapes[0];
        assert!(wlb
            .rename
            .contains(&("Channel".to_owned(), vec!["winlog.channel".to_owned()])));
        assert_eq!(wlb.unprefix[0], "winlog.event_data.");
        let auoms = &m.shapes[5];
        assert_eq!(
            auoms.also_types,
            vec![(
                "AUOMS_EXECVE".to_owned(),
                vec!["SYSCALL".to_owned(), "EXECVE".to_owned()]
            )]
        );
        assert_eq!(Mappings::builtin(), &m);
    }

    #[test]
    fn parser_reads_arrays_comments_and_rejects_typos() {
        let text = "time = [\"a\", # first\n  'b#c',\n]\n[[shape]]\nname = \"x\" # n\n[shape.rename]\n\"A.b\" = \"c\\\"d\"\n";
        let m = Mappings::parse(text).unwrap();
        assert_eq!(m.time, ["a", "b#c"]);
        assert_eq!(
            m.shapes[0].rename,
            [("A.b".to_owned(), vec!["c\"d".to_owned()])]
        );
        assert_eq!(Mappings::parse("tme = \"a\"").unwrap_err().line, 1);
        assert!(Mappings::parse("[shape.rename]\n").is_err());
        assert!(Mappings::parse("[[shape]]\nname = [\"a\"\n").is_err());
        assert!(Mappings::parse("[[shape]]\nname = \"a\" junk\n").is_err());
    }
}
