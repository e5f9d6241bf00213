//! One detection value with its modifiers, compiled: wildcards, encodings
//! (base64, base64offset, wide/utf16), windash, expand, regular expressions,
//! CIDR, numeric comparisons, `exists` and `fieldref`.

use std::collections::HashMap;
use std::net::IpAddr;

use base64::Engine as _;
use yaml_rust2::Yaml;

use super::lower::lower;

/// Why a rule (or one of its values) cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Refusal(pub String);

impl Refusal {
    pub(crate) fn new(reason: impl Into<String>) -> Refusal {
        Refusal(reason.into())
    }
}

/// Regexes larger than this (compiled program bytes, the regex crate default) are refused.
const REGEX_SIZE_LIMIT: usize = 10 << 20;
/// Encoding and placeholder variants one value may expand to.
const MAX_VARIANTS: usize = 256;
/// Windows command-line dash characters `windash` tries (`-`, `/`, en dash, em dash, horizontal bar).
const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// How a text value is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

/// A numeric comparison (`lt`, `lte`, `gt`, `gte`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Lt,
    Lte,
    Gt,
    Gte,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transform {
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16Bom,
    Windash,
    Expand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    None,
    Re,
    Cidr,
    Exists,
    FieldRef,
    Cmp(CmpOp),
}

/// A field's modifier chain (`Field|contains|all`), parsed.
#[derive(Debug, Clone)]
pub(crate) struct Modifiers {
    kind: Kind,
    kind_set: bool,
    special: Special,
    transforms: Vec<Transform>,
    /// `|all`: every value must match (instead of any).
    pub(crate) all: bool,
    cased: bool,
    re_i: bool,
    re_m: bool,
    re_s: bool,
}

impl Modifiers {
    /// Parses the modifiers after the field name.
    pub(crate) fn parse<'a>(mods: impl Iterator<Item = &'a str>) -> Result<Modifiers, Refusal> {
        let mut m = Modifiers {
            kind: Kind::Equals,
            kind_set: false,
            special: Special::None,
            transforms: Vec::new(),
            all: false,
            cased: false,
            re_i: false,
            re_m: false,
            re_s: false,
        };
        let mut kind_set = false;
        let set_special = |m: &mut Modifiers, s: Special| -> Result<(), Refusal> {
            if m.special != Special::None {
                return Err(Refusal::new(
                    "conflicting modifiers (two of re/cidr/exists/fieldref/lt/gt)",
                ));
            }
            m.special = s;
            Ok(())
        };
        for raw in mods {
            let name = raw.trim();
            let mut set_kind = |m: &mut Modifiers, k: Kind| -> Result<(), Refusal> {
                if kind_set && m.kind != k {
                    return Err(Refusal::new(format!("conflicting modifier {name:?}")));
                }
                kind_set = true;
                m.kind = k;
                Ok(())
            };
            match name {
                "contains" => set_kind(&mut m, Kind::Contains)?,
                "startswith" => set_kind(&mut m, Kind::StartsWith)?,
                "endswith" => set_kind(&mut m, Kind::EndsWith)?,
                "all" => m.all = true,
                "cased" => m.cased = true,
                "re" => set_special(&mut m, Special::Re)?,
                "i" | "ignorecase" => m.re_i = true,
                "m" | "multiline" => m.re_m = true,
                "s" | "dotall" => m.re_s = true,
                "cidr" => set_special(&mut m, Special::Cidr)?,
                "exists" => set_special(&mut m, Special::Exists)?,
                "fieldref" => set_special(&mut m, Special::FieldRef)?,
                "lt" => set_special(&mut m, Special::Cmp(CmpOp::Lt))?,
                "lte" => set_special(&mut m, Special::Cmp(CmpOp::Lte))?,
                "gt" => set_special(&mut m, Special::Cmp(CmpOp::Gt))?,
                "gte" => set_special(&mut m, Special::Cmp(CmpOp::Gte))?,
                "base64" => m.transforms.push(Transform::Base64),
                "base64offset" => m.transforms.push(Transform::Base64Offset),
                "wide" | "utf16le" => m.transforms.push(Transform::Utf16Le),
                "utf16be" => m.transforms.push(Transform::Utf16Be),
                "utf16" => m.transforms.push(Transform::Utf16Bom),
                "windash" => m.transforms.push(Transform::Windash),
                "expand" => m.transforms.push(Transform::Expand),
                other => return Err(Refusal::new(format!("unknown modifier {other:?}"))),
            }
        }
        m.kind_set = kind_set;
        if (m.re_i || m.re_m || m.re_s) && m.special != Special::Re {
            return Err(Refusal::new("regex flag modifier (i/m/s) without re"));
        }
        match m.special {
            Special::None => {}
            Special::FieldRef if !m.transforms.is_empty() => {
                return Err(Refusal::new(
                    "fieldref cannot be combined with value transformations",
                ))
            }
            Special::FieldRef => {}
            _ if kind_set || !m.transforms.is_empty() => {
                return Err(Refusal::new(
                    "re/cidr/exists/lt/gt cannot be combined with contains/startswith/endswith or transformations",
                ))
            }
            _ => {}
        }
        Ok(m)
    }

    /// Field-less (keyword) values without a match modifier search for the
    /// value anywhere in a field's text.
    pub(crate) fn keyword_default(mut self) -> Modifiers {
        if !self.kind_set && self.special == Special::None {
            self.kind = Kind::Contains;
        }
        self
    }

    /// Compiles one YAML value under these modifiers into its alternatives
    /// (several when windash, base64offset or expand produce variants).
    pub(crate) fn compile(
        &self,
        value: &Yaml,
        placeholders: &HashMap<String, Vec<String>>,
    ) -> Result<Vec<Pattern>, Refusal> {
        let text = match value {
            Yaml::Null => {
                return match self.special {
                    Special::None if self.transforms.is_empty() && self.kind == Kind::Equals => {
                        Ok(vec![Pattern::Null])
                    }
                    _ => Err(Refusal::new("null value with modifiers")),
                }
            }
            Yaml::String(s) => s.clone(),
            Yaml::Integer(i) => escape_wildcards(&i.to_string()),
            Yaml::Real(r) => escape_wildcards(r),
            Yaml::Boolean(b) => b.to_string(),
            Yaml::Array(_) => return Err(Refusal::new("nested list in a value")),
            Yaml::Hash(_) => return Err(Refusal::new("map where a value was expected")),
            Yaml::Alias(_) | Yaml::BadValue => return Err(Refusal::new("unsupported YAML value")),
        };
        match self.special {
            Special::Re => {
                let re = regex::RegexBuilder::new(&text)
                    .case_insensitive(self.re_i)
                    .multi_line(self.re_m)
                    .dot_matches_new_line(self.re_s)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .dfa_size_limit(REGEX_SIZE_LIMIT)
                    .nest_limit(100)
                    .build()
                    .map_err(|e| {
                        let msg = e.to_string();
                        let last = msg.lines().last().unwrap_or("").trim().to_owned();
                        Refusal::new(format!("bad regex: {last}"))
                    })?;
                Ok(vec![Pattern::Regex(Box::new(re))])
            }
            Special::Cidr => {
                let net: ipnet::IpNet = text
                    .trim()
                    .parse()
                    .map_err(|_| Refusal::new("bad CIDR value"))?;
                Ok(vec![Pattern::Cidr(net)])
            }
            Special::Exists => match value {
                Yaml::Boolean(b) => Ok(vec![Pattern::Exists(*b)]),
                _ => match text.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" => Ok(vec![Pattern::Exists(true)]),
                    "false" | "no" => Ok(vec![Pattern::Exists(false)]),
                    _ => Err(Refusal::new("exists needs true or false")),
                },
            },
            Special::Cmp(op) => {
                let n: f64 = match value {
                    Yaml::Integer(i) => *i as f64,
                    Yaml::Real(r) => r.parse().map_err(|_| Refusal::new("bad number"))?,
                    _ => text
                        .trim()
                        .parse()
                        .map_err(|_| Refusal::new("lt/lte/gt/gte need a number"))?,
                };
                if n.is_nan() {
                    return Err(Refusal::new("lt/lte/gt/gte need a number"));
                }
                Ok(vec![Pattern::Cmp(op, n)])
            }
            Special::FieldRef => Ok(vec![Pattern::FieldRef {
                field: text,
                kind: self.kind,
                cased: self.cased,
            }]),
            Special::None => self.compile_text(&text, placeholders),
        }
    }

    fn compile_text(
        &self,
        text: &str,
        placeholders: &HashMap<String, Vec<String>>,
    ) -> Result<Vec<Pattern>, Refusal> {
        let raws = if self.transforms.contains(&Transform::Expand) {
            expand(text, placeholders)?
        } else {
            vec![text.to_owned()]
        };
        let mut stages: Vec<Stage> = raws.iter().map(|r| Stage::Text(tokenize(r))).collect();
        for t in &self.transforms {
            let mut next = Vec::new();
            for s in stages {
                apply(*t, s, &mut next)?;
                if next.len() > MAX_VARIANTS {
                    return Err(Refusal::new("value expands to too many variants"));
                }
            }
            stages = next;
        }
        let mut out = Vec::with_capacity(stages.len());
        for s in stages {
            let toks = match s {
                Stage::Text(t) => t,
                Stage::Bytes(b) => {
                    let s = String::from_utf8(b)
                        .map_err(|_| Refusal::new("encoded value is not valid text"))?;
                    vec![Tok::Lit(s)]
                }
            };
            let p = Pattern::Text {
                m: TextMatch::build(toks, self.kind, self.cased),
                cased: self.cased,
            };
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Ok(out)
    }
}

fn escape_wildcards(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Replaces `%name%` placeholders with each of their values.
fn expand(text: &str, table: &HashMap<String, Vec<String>>) -> Result<Vec<String>, Refusal> {
    let mut out = vec![String::new()];
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        let after = &rest[start + 1..];
        let Some(len) = after.find('%') else { break };
        let name = &after[..len];
        let values = table
            .get(name)
            .ok_or_else(|| Refusal::new(format!("unknown placeholder %{name}% (|expand)")))?;
        if values.is_empty() {
            return Err(Refusal::new(format!("placeholder %{name}% has no values")));
        }
        let prefix = &rest[..start];
        let mut next = Vec::with_capacity(out.len() * values.len());
        for o in &out {
            for v in values {
                next.push(format!("{o}{prefix}{}", escape_wildcards(v)));
            }
        }
        if next.len() > MAX_VARIANTS {
            return Err(Refusal::new("value expands to too many variants"));
        }
        out = next;
        rest = &after[len + 1..];
    }
    for o in &mut out {
        o.push_str(rest);
    }
    Ok(out)
}

/// A piece of a wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(String),
    /// `*`: any run of characters.
    Any,
    /// `?`: exactly one character.
    One,
}

/// Splits a Sigma string into literals and wildcards; `\*`, `\?` and `\\`
/// are the literal characters, any other backslash is itself.
pub(crate) fn tokenize(s: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut lit = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    lit.push(n);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' | '?' => {
                if !lit.is_empty() {
                    toks.push(Tok::Lit(std::mem::take(&mut lit)));
                }
                toks.push(if c == '*' { Tok::Any } else { Tok::One });
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        toks.push(Tok::Lit(lit));
    }
    toks
}

enum Stage {
    Text(Vec<Tok>),
    Bytes(Vec<u8>),
}

fn literal_bytes(s: Stage, what: &str) -> Result<Vec<u8>, Refusal> {
    match s {
        Stage::Bytes(b) => Ok(b),
        Stage::Text(toks) => {
            let mut out = String::new();
            for t in toks {
                match t {
                    Tok::Lit(l) => out.push_str(&l),
                    Tok::Any | Tok::One => {
                        return Err(Refusal::new(format!(
                            "wildcards cannot be used with {what}"
                        )))
                    }
                }
            }
            Ok(out.into_bytes())
        }
    }
}

fn text_of(s: &Stage, what: &str) -> Result<String, Refusal> {
    match s {
        Stage::Bytes(b) => String::from_utf8(b.clone())
            .map_err(|_| Refusal::new(format!("{what} of an encoded value that is not text"))),
        Stage::Text(_) => Ok(String::new()),
    }
}

fn apply(t: Transform, s: Stage, out: &mut Vec<Stage>) -> Result<(), Refusal> {
    let b64 = base64::engine::general_purpose::STANDARD;
    match t {
        Transform::Expand => out.push(s),
        Transform::Base64 => {
            let bytes = literal_bytes(s, "base64")?;
            out.push(Stage::Text(vec![Tok::Lit(b64.encode(bytes))]));
        }
        Transform::Base64Offset => {
            let bytes = literal_bytes(s, "base64offset")?;
            if bytes.is_empty() {
                return Err(Refusal::new("base64offset of an empty value"));
            }
            for shift in 0..3usize {
                let mut padded = vec![0u8; shift];
                padded.extend_from_slice(&bytes);
                let enc = b64.encode(&padded);
                let start = [0, 2, 3][shift];
                let cut = [0, 3, 2][(bytes.len() + shift) % 3];
                let end = enc.len().saturating_sub(cut);
                if start < end {
                    out.push(Stage::Text(vec![Tok::Lit(enc[start..end].to_owned())]));
                }
            }
        }
        Transform::Utf16Le | Transform::Utf16Be | Transform::Utf16Bom => {
            let bytes = literal_bytes(s, "wide/utf16")?;
            let text = String::from_utf8(bytes)
                .map_err(|_| Refusal::new("utf16 of an encoded value that is not text"))?;
            let mut enc = Vec::with_capacity(text.len() * 2 + 2);
            if t == Transform::Utf16Bom {
                enc.extend_from_slice(&[0xFF, 0xFE]);
            }
            for unit in text.encode_utf16() {
                if t == Transform::Utf16Be {
                    enc.extend_from_slice(&unit.to_be_bytes());
                } else {
                    enc.extend_from_slice(&unit.to_le_bytes());
                }
            }
            out.push(Stage::Bytes(enc));
        }
        Transform::Windash => {
            let toks = match s {
                Stage::Text(t) => t,
                b @ Stage::Bytes(_) => vec![Tok::Lit(text_of(&b, "windash")?)],
            };
            for dash in DASHES {
                let variant: Vec<Tok> = toks
                    .iter()
                    .enumerate()
                    .map(|(i, t)| match t {
                        Tok::Lit(l) => {
                            let before_is_space_or_start = |pos: usize, prev: Option<char>| {
                                pos == 0 && i == 0 || prev.is_some_and(char::is_whitespace)
                            };
                            let mut out = String::with_capacity(l.len());
                            let mut prev: Option<char> = None;
                            for (pos, c) in l.chars().enumerate() {
                                if (c == '-' || c == '/') && before_is_space_or_start(pos, prev) {
                                    out.push(dash);
                                } else {
                                    out.push(c);
                                }
                                prev = Some(c);
                            }
                            Tok::Lit(out)
                        }
                        other => other.clone(),
                    })
                    .collect();
                out.push(Stage::Text(variant));
            }
        }
    }
    Ok(())
}

/// A compiled text comparison. Literals are lowercased unless `cased`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TextMatch {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(Box<Needle>),
    /// The whole value must match; `*` any run, `?` one character.
    Glob(Vec<GlobTok>),
}

/// A substring with its precompiled searcher.
#[derive(Clone)]
pub(crate) struct Needle {
    text: String,
    finder: memchr::memmem::Finder<'static>,
}

impl Needle {
    fn new(text: String) -> Needle {
        let finder = memchr::memmem::Finder::new(text.as_bytes()).into_owned();
        Needle { text, finder }
    }
}

impl PartialEq for Needle {
    fn eq(&self, other: &Needle) -> bool {
        self.text == other.text
    }
}

impl Eq for Needle {}

impl std::fmt::Debug for Needle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.text.fmt(f)
    }
}

/// A glob pattern element, byte-wise over UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GlobTok {
    Byte(u8),
    Any,
    One,
}

impl TextMatch {
    fn build(toks: Vec<Tok>, kind: Kind, cased: bool) -> TextMatch {
        let mut seq: Vec<Tok> = Vec::with_capacity(toks.len() + 2);
        if matches!(kind, Kind::Contains | Kind::EndsWith) {
            seq.push(Tok::Any);
        }
        seq.extend(toks.into_iter().map(|t| match t {
            Tok::Lit(l) if !cased => Tok::Lit(lower(&l)),
            other => other,
        }));
        if matches!(kind, Kind::Contains | Kind::StartsWith) {
            seq.push(Tok::Any);
        }
        // Normalize: merge literals, collapse runs of `*`.
        let mut norm: Vec<Tok> = Vec::with_capacity(seq.len());
        for t in seq {
            match (norm.last_mut(), t) {
                (Some(Tok::Any), Tok::Any) => {}
                (Some(Tok::Lit(a)), Tok::Lit(b)) => a.push_str(&b),
                (_, t) => norm.push(t),
            }
        }
        match norm.as_slice() {
            [] => TextMatch::Exact(String::new()),
            [Tok::Lit(l)] => TextMatch::Exact(l.clone()),
            [Tok::Any] => TextMatch::Prefix(String::new()),
            [Tok::Lit(l), Tok::Any] => TextMatch::Prefix(l.clone()),
            [Tok::Any, Tok::Lit(l)] => TextMatch::Suffix(l.clone()),
            [Tok::Any, Tok::Lit(l), Tok::Any] => {
                TextMatch::Contains(Box::new(Needle::new(l.clone())))
            }
            _ => TextMatch::Glob(
                norm.iter()
                    .flat_map(|t| match t {
                        Tok::Lit(l) => l.bytes().map(GlobTok::Byte).collect::<Vec<_>>(),
                        Tok::Any => vec![GlobTok::Any],
                        Tok::One => vec![GlobTok::One],
                    })
                    .collect(),
            ),
        }
    }

    /// Whether `s` (already lowercased when the match is case-insensitive) matches.
    pub(crate) fn is_match(&self, s: &str) -> bool {
        match self {
            TextMatch::Exact(l) => s == l,
            TextMatch::Prefix(l) => s.starts_with(l.as_str()),
            TextMatch::Suffix(l) => s.ends_with(l.as_str()),
            TextMatch::Contains(n) => n.finder.find(s.as_bytes()).is_some(),
            TextMatch::Glob(p) => glob_match(p, s.as_bytes()),
        }
    }

    /// The longest literal that every matching value contains (lowercased
    /// form when case-insensitive), if any.
    pub(crate) fn required_literal(&self) -> Option<String> {
        let lit = match self {
            TextMatch::Exact(l) | TextMatch::Prefix(l) | TextMatch::Suffix(l) => l.clone(),
            TextMatch::Contains(n) => n.text.clone(),
            TextMatch::Glob(p) => {
                let mut best: Vec<u8> = Vec::new();
                let mut cur: Vec<u8> = Vec::new();
                for t in p.iter().chain(std::iter::once(&GlobTok::Any)) {
                    match t {
                        GlobTok::Byte(b) => cur.push(*b),
                        _ => {
                            if cur.len() > best.len() {
                                best = std::mem::take(&mut cur);
                            }
                            cur.clear();
                        }
                    }
                }
                String::from_utf8(best).ok()?
            }
        };
        (!lit.is_empty()).then_some(lit)
    }
}

/// A compiled `*`/`?` wildcard pattern (backslash escapes as in Sigma values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wildcard(TextMatch);

impl Wildcard {
    /// Compiles `pattern`; `cased: false` lowercases it, and [`is_match`](Self::is_match)
    /// then expects lowercased text.
    pub(crate) fn new(pattern: &str, cased: bool) -> Wildcard {
        Wildcard(TextMatch::build(tokenize(pattern), Kind::Equals, cased))
    }

    /// Whether the whole of `s` matches.
    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.0.is_match(s)
    }

    /// Whether the pattern is one exact text (no wildcard), and which.
    pub(crate) fn exact(&self) -> Option<&str> {
        match &self.0 {
            TextMatch::Exact(l) => Some(l),
            _ => None,
        }
    }
}

fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Wildcard matching with one backtrack point (the last `*`): O(len(p) * len(v)).
fn glob_match(p: &[GlobTok], v: &[u8]) -> bool {
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if let Some(t) = p.get(pi) {
            match *t {
                GlobTok::Byte(b) if v[vi] == b => {
                    pi += 1;
                    vi += 1;
                    continue;
                }
                GlobTok::One => {
                    pi += 1;
                    vi = (vi + utf8_len(v[vi])).min(v.len());
                    continue;
                }
                GlobTok::Any => {
                    star = Some((pi, vi));
                    pi += 1;
                    continue;
                }
                GlobTok::Byte(_) => {}
            }
        }
        match star {
            Some((sp, sv)) if sv < v.len() => {
                let nv = (sv + utf8_len(v[sv])).min(v.len());
                star = Some((sp, nv));
                pi = sp + 1;
                vi = nv;
            }
            _ => return false,
        }
    }
    p[pi.min(p.len())..].iter().all(|t| *t == GlobTok::Any)
}

/// One compiled alternative of a detection value.
#[derive(Debug, Clone)]
pub(crate) enum Pattern {
    /// `null`: the field is absent, null or empty.
    Null,
    /// `|exists`: whether the field is present.
    Exists(bool),
    /// Text comparison (lowercased literal unless `cased`).
    Text { m: TextMatch, cased: bool },
    /// `|re` (case-sensitive unless `|i`).
    Regex(Box<regex::Regex>),
    /// `|cidr`.
    Cidr(ipnet::IpNet),
    /// `|lt`, `|lte`, `|gt`, `|gte`.
    Cmp(CmpOp, f64),
    /// `|fieldref`: compared with another field's value.
    FieldRef {
        field: String,
        kind: Kind,
        cased: bool,
    },
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        match (self, other) {
            (Pattern::Text { m: a, cased: c }, Pattern::Text { m: b, cased: d }) => {
                a == b && c == d
            }
            _ => false,
        }
    }
}

impl Pattern {
    /// Whether one element of a present field matches (`raw` as recorded,
    /// `low` its lowercase form). `FieldRef` is handled by the caller.
    pub(crate) fn match_elem(&self, raw: &str, low: &str) -> bool {
        match self {
            Pattern::Null => raw.is_empty(),
            Pattern::Exists(b) => *b,
            Pattern::Text { m, cased } => m.is_match(if *cased { raw } else { low }),
            Pattern::Regex(re) => re.is_match(raw),
            Pattern::Cidr(net) => raw
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| net.contains(&ip)),
            Pattern::Cmp(op, n) => raw.trim().parse::<f64>().is_ok_and(|v| match op {
                CmpOp::Lt => v < *n,
                CmpOp::Lte => v <= *n,
                CmpOp::Gt => v > *n,
                CmpOp::Gte => v >= *n,
            }),
            Pattern::FieldRef { .. } => false,
        }
    }

    /// Whether the pattern holds for an absent field.
    pub(crate) fn match_absent(&self) -> bool {
        matches!(self, Pattern::Null | Pattern::Exists(false))
    }

    /// The literal (lowercased) that any value this pattern matches contains.
    pub(crate) fn required_literal(&self) -> Option<String> {
        match self {
            Pattern::Text { m, cased } => {
                let l = m.required_literal()?;
                Some(if *cased { lower(&l) } else { l })
            }
            _ => None,
        }
    }
}

/// Compares a field-reference: `a` is this field's element, `b` the other's.
pub(crate) fn fieldref_match(kind: Kind, a: &str, b: &str) -> bool {
    match kind {
        Kind::Equals => a == b,
        Kind::Contains => a.contains(b),
        Kind::StartsWith => a.starts_with(b),
        Kind::EndsWith => a.ends_with(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(mods: &str, v: Yaml) -> Result<Vec<Pattern>, Refusal> {
        compile_with(mods, v, &HashMap::new())
    }

    fn compile_with(
        mods: &str,
        v: Yaml,
        table: &HashMap<String, Vec<String>>,
    ) -> Result<Vec<Pattern>, Refusal> {
        let m = Modifiers::parse(mods.split('|').filter(|s| !s.is_empty()))?;
        m.compile(&v, table)
    }

    fn s(v: &str) -> Yaml {
        Yaml::String(v.into())
    }

    fn any(ps: &[Pattern], raw: &str) -> bool {
        ps.iter().any(|p| p.match_elem(raw, &lower(raw)))
    }

    #[test]
    fn wildcards_and_escapes() {
        let p = compile("", s("*\\cmd.exe")).unwrap();
        assert!(any(&p, "C:\\Windows\\System32\\CMD.EXE"));
        assert!(!any(&p, "C:\\cmd.exe.bak"));
        let p = compile("", s("a?c*z")).unwrap();
        assert!(any(&p, "abcXYz"));
        assert!(any(&p, "aéc_z"));
        assert!(!any(&p, "ac_z"));
        let p = compile("", s("lit\\*star")).unwrap();
        assert!(any(&p, "LIT*STAR"));
        assert!(!any(&p, "litXstar"));
        let p = compile("", s("q\\?")).unwrap();
        assert!(any(&p, "q?") && !any(&p, "qx"));
        let p = compile("", s("back\\\\*")).unwrap();
        assert!(any(&p, "back\\slash") && !any(&p, "backslash"));
        let p = compile("", s("a*b*c")).unwrap();
        assert!(any(&p, "aXbYbZc") && !any(&p, "aXbYc_"));
    }

    #[test]
    fn contains_startswith_endswith_cased() {
        let p = compile("contains", s("WhoAmI")).unwrap();
        assert!(any(&p, "cmd /c whoami /all") && !any(&p, "who am i"));
        let p = compile("startswith", s("C:\\Temp")).unwrap();
        assert!(any(&p, "c:\\temp\\x") && !any(&p, "d:\\c:\\temp"));
        let p = compile("endswith", s(".ASPX")).unwrap();
        assert!(any(&p, "shell.aspx") && !any(&p, "shell.aspx.txt"));
        let p = compile("contains|cased", s("Invoke")).unwrap();
        assert!(any(&p, "x Invoke y") && !any(&p, "x invoke y"));
        let p = compile("cased", s("Exact")).unwrap();
        assert!(any(&p, "Exact") && !any(&p, "exact"));
    }

    #[test]
    fn numbers_and_booleans_are_text() {
        let p = compile("", Yaml::Integer(4688)).unwrap();
        assert!(any(&p, "4688") && !any(&p, "46880"));
        let p = compile("", Yaml::Boolean(true)).unwrap();
        assert!(any(&p, "TRUE") && !any(&p, "false"));
    }

    #[test]
    fn regex_flags() {
        let p = compile("re", s("^Foo.*bar$")).unwrap();
        assert!(any(&p, "Foo x bar") && !any(&p, "foo x bar"));
        let p = compile("re|i", s("^foo")).unwrap();
        assert!(any(&p, "FOO"));
        let p = compile("re|m", s("^bar$")).unwrap();
        assert!(
            any(&p, "foo\nbar")
                && !compile("re", s("^bar$"))
                    .map(|p| any(&p, "foo\nbar"))
                    .unwrap()
        );
        let p = compile("re|s", s("a.b")).unwrap();
        assert!(any(&p, "a\nb") && !compile("re", s("a.b")).map(|p| any(&p, "a\nb")).unwrap());
        assert!(compile("re", s("(unclosed"))
            .unwrap_err()
            .0
            .starts_with("bad regex"));
        assert!(compile("re", s("a{1000}{1000}{1000}")).is_err());
        assert!(compile("i", s("x")).is_err());
    }

    #[test]
    fn base64_and_offsets() {
        let p = compile("base64", s("http://")).unwrap();
        assert!(any(&p, "aHR0cDovLw==") && !any(&p, "http://"));
        let p = compile("base64offset|contains", s("http://")).unwrap();
        assert_eq!(p.len(), 3);
        let b64 = base64::engine::general_purpose::STANDARD;
        for prefix in ["", "a", "ab", "abc"] {
            let enc = b64.encode(format!("{prefix}http://example"));
            assert!(any(&p, &enc), "{prefix}: {enc}");
        }
        assert!(!any(&p, &b64.encode("hxxp://example")));
        assert!(compile("base64", s("a*")).is_err());
    }

    #[test]
    fn wide_and_utf16() {
        let p = compile("wide|base64offset|contains", s("ping")).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD;
        let utf16: Vec<u8> = "x ping y"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert!(any(&p, &b64.encode(&utf16)));
        let p = compile("utf16be|base64", s("A")).unwrap();
        assert!(any(&p, &b64.encode([0u8, 0x41])));
        let p = compile("utf16|base64", s("A")).unwrap();
        assert!(any(&p, &b64.encode([0xFF, 0xFE, 0x41, 0])));
        let p = compile("wide", s("ab")).unwrap();
        assert!(any(&p, "a\0b\0") && !any(&p, "ab"));
    }

    #[test]
    fn windash_variants() {
        let p = compile("contains|windash", s(" -enc ")).unwrap();
        for v in [
            "x -enc y",
            "x /enc y",
            "x \u{2013}enc y",
            "x \u{2014}enc y",
            "x \u{2015}enc y",
        ] {
            assert!(any(&p, v), "{v}");
        }
        assert!(!any(&p, "x +enc y"));
        let p = compile("windash", s("-a")).unwrap();
        assert!(any(&p, "/a") && !any(&p, "a"));
    }

    #[test]
    fn expand_placeholders() {
        let mut t = HashMap::new();
        t.insert(
            "admins".to_owned(),
            vec!["root".to_owned(), "Admin*".to_owned()],
        );
        let p = compile_with("expand", s("%admins%"), &t).unwrap();
        assert!(any(&p, "root") && any(&p, "admin*") && !any(&p, "administrator"));
        let e = compile("contains|expand", s("%nope%")).unwrap_err();
        assert!(e.0.contains("unknown placeholder %nope%"));
    }

    #[test]
    fn cidr_cmp_exists_null() {
        let p = compile("cidr", s("10.0.0.0/8")).unwrap();
        assert!(any(&p, "10.1.2.3") && !any(&p, "11.0.0.1") && !any(&p, "not an ip"));
        let p = compile("cidr", s("fe80::/10")).unwrap();
        assert!(any(&p, "fe80::1") && !any(&p, "10.0.0.1"));
        assert!(compile("cidr", s("10.0.0.0/99")).is_err());
        let p = compile("gte", Yaml::Integer(10)).unwrap();
        assert!(any(&p, "10") && any(&p, "11.5") && !any(&p, "9") && !any(&p, "x"));
        let p = compile("lt", Yaml::Integer(10)).unwrap();
        assert!(any(&p, "9") && !any(&p, "10"));
        let p = compile("lte", Yaml::Real("1.5".into())).unwrap();
        assert!(any(&p, "1.5") && !any(&p, "1.6"));
        let p = compile("gt", Yaml::Integer(0)).unwrap();
        assert!(any(&p, "1") && !any(&p, "0"));
        let p = compile("exists", Yaml::Boolean(false)).unwrap();
        assert!(p[0].match_absent() && !any(&p, "x"));
        let p = compile("exists", Yaml::Boolean(true)).unwrap();
        assert!(!p[0].match_absent() && any(&p, ""));
        let p = compile("", Yaml::Null).unwrap();
        assert!(p[0].match_absent() && any(&p, "") && !any(&p, "x"));
        assert!(compile("contains", Yaml::Null).is_err());
    }

    #[test]
    fn modifier_refusals() {
        let e = compile("bogus", s("x")).unwrap_err();
        assert_eq!(e.0, "unknown modifier \"bogus\"");
        assert!(compile("contains|startswith", s("x")).is_err());
        assert!(compile("re|contains", s("x")).is_err());
        assert!(compile("cidr|re", s("x")).is_err());
    }

    #[test]
    fn fieldref_kinds() {
        assert!(fieldref_match(Kind::Equals, "a", "a"));
        assert!(fieldref_match(Kind::Contains, "xay", "a"));
        assert!(!fieldref_match(Kind::StartsWith, "xa", "a"));
        assert!(fieldref_match(Kind::EndsWith, "xa", "a"));
    }

    #[test]
    fn required_literals() {
        let p = compile("", s("*\\abc*de?fgh*")).unwrap();
        assert_eq!(p[0].required_literal().as_deref(), Some("\\abc"));
        let p = compile("contains|cased", s("ABC")).unwrap();
        assert_eq!(p[0].required_literal().as_deref(), Some("abc"));
        let p = compile("", s("*")).unwrap();
        assert_eq!(p[0].required_literal(), None);
    }
}
