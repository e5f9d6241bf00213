//! The field mappings of `rules/mappings/jsonl-fields.toml`: which JSON shapes
//! get which EVTX-style names. The file is read with a small parser for the
//! TOML subset it uses (tables, arrays of tables, strings, string arrays).

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
        let mut out = Mappings::default();
        let mut section = Section::Top;
        let mut lines = text.lines().enumerate();
        while let Some((i, raw)) = lines.next() {
            let err = |message: &str| MappingError {
                line: i + 1,
                message: message.to_owned(),
            };
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            if line == "[[shape]]" {
                out.shapes.push(Shape::default());
                section = Section::Shape;
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                if out.shapes.is_empty() {
                    return Err(err("a [shape.*] table before any [[shape]]"));
                }
                section = match name.trim() {
                    "shape.rename" => Section::Rename,
                    "shape.also_types" => Section::AlsoTypes,
                    _ => return Err(err("unknown table")),
                };
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| err("expected key = value"))?;
            let key = parse_key(key.trim()).ok_or_else(|| err("bad key"))?;
            let mut value = value.trim().to_owned();
            // Arrays may span lines: read on until the brackets close.
            while value.starts_with('[') && !array_closed(&value) {
                match lines.next() {
                    Some((_, more)) => {
                        value.push(' ');
                        value.push_str(strip_comment(more).trim());
                    }
                    None => return Err(err("unterminated array")),
                }
            }
            let value = parse_value(&value).ok_or_else(|| err("bad value"))?;
            let shape = out.shapes.last_mut();
            match (section, shape) {
                (Section::Top, _) => match key.as_str() {
                    "time" => out.time = value.list(),
                    "integers" => out.integers = value.list(),
                    _ => return Err(err("unknown key")),
                },
                (Section::Shape, Some(shape)) => match key.as_str() {
                    "name" => shape.name = value.single().ok_or_else(|| err("name: a string"))?,
                    "detect" => shape.detect = value.list(),
                    "embedded" => shape.embedded = value.list(),
                    "unprefix" => shape.unprefix = value.list(),
                    _ => return Err(err("unknown key")),
                },
                (Section::Rename, Some(shape)) => shape.rename.push((key, value.list())),
                (Section::AlsoTypes, Some(shape)) => shape.also_types.push((key, value.list())),
                (_, None) => return Err(err("no [[shape]]")),
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy)]
enum Section {
    Top,
    Shape,
    Rename,
    AlsoTypes,
}

enum TomlValue {
    Str(String),
    List(Vec<String>),
}

impl TomlValue {
    fn list(self) -> Vec<String> {
        match self {
            TomlValue::Str(s) => vec![s],
            TomlValue::List(l) => l,
        }
    }

    fn single(self) -> Option<String> {
        match self {
            TomlValue::Str(s) => Some(s),
            TomlValue::List(_) => None,
        }
    }
}

/// The line without a `#` comment (a `#` inside a string is kept).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => return &line[..i],
            None => {}
        }
    }
    line
}

fn array_closed(value: &str) -> bool {
    let mut rest = value.trim_start_matches('[');
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.starts_with(']') {
            return true;
        }
        match parse_string(rest) {
            Some((_, after)) => rest = after,
            None => return false,
        }
    }
}

fn parse_key(key: &str) -> Option<String> {
    if key.starts_with('"') || key.starts_with('\'') {
        let (s, rest) = parse_string(key)?;
        return rest.trim().is_empty().then_some(s);
    }
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    bare.then(|| key.to_owned())
}

fn parse_value(v: &str) -> Option<TomlValue> {
    if let Some(mut rest) = v.strip_prefix('[') {
        let mut items = Vec::new();
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
            if let Some(after) = rest.strip_prefix(']') {
                return after.trim().is_empty().then_some(TomlValue::List(items));
            }
            let (s, after) = parse_string(rest)?;
            items.push(s);
            rest = after.trim_start();
            if !(rest.starts_with(',') || rest.starts_with(']')) {
                return None;
            }
        }
    }
    let (s, rest) = parse_string(v)?;
    rest.trim().is_empty().then_some(TomlValue::Str(s))
}

/// A basic (`"..."`, with escapes) or literal (`'...'`) string at the start of
/// `s`, and the rest after it.
fn parse_string(s: &str) -> Option<(String, &str)> {
    let mut chars = s.char_indices();
    let (_, quote) = chars.next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return Some((out, &s[i + c.len_utf8()..]));
        }
        if c == '\\' && quote == '"' {
            let (_, e) = chars.next()?;
            out.push(match e {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '\\' => '\\',
                '"' => '"',
                _ => return None,
            });
        } else {
            out.push(c);
        }
    }
    None
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
    fn subset_parser_reads_arrays_comments_and_rejects_typos() {
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
