//! The `detection:` section: selections (maps of fields, lists of maps,
//! keyword lists) compiled and evaluated against one event view.

use std::collections::HashMap;

use yaml_rust2::Yaml;

use super::condition::{self, Cond};
use super::pattern::{fieldref_match, Modifiers, Pattern, Refusal};
use super::prefilter::{best_of, union_of, Literals};

/// A compiled `detection:`.
#[derive(Debug, Clone)]
pub(crate) struct Detection {
    pub(crate) sels: Vec<Sel>,
    pub(crate) cond: Cond,
}

/// One selection.
#[derive(Debug, Clone)]
pub(crate) enum Sel {
    /// A map: every field test holds.
    And(Vec<FieldTest>),
    /// A list of maps: any holds.
    Or(Vec<Sel>),
    /// Field-less values matched against every field's value.
    Keywords(Values),
}

/// `Field|modifiers: values`.
#[derive(Debug, Clone)]
pub(crate) struct FieldTest {
    pub(crate) field: String,
    /// `field` lowercased (alias lookup key).
    pub(crate) field_lc: String,
    pub(crate) values: Values,
}

/// A value list: any item (or every item with `|all`); an item is its
/// alternatives (variants from windash/base64offset/expand).
#[derive(Debug, Clone)]
pub(crate) struct Values {
    pub(crate) items: Vec<Vec<Pattern>>,
    pub(crate) all: bool,
}

/// Read access to one event under one route (field aliases applied), with
/// every field's elements as raw and lowercased text.
pub(crate) trait View {
    /// The event field index a Sigma field name resolves to.
    fn find(&self, sigma_lc: &str, sigma: &str) -> Option<usize>;
    /// The event field index of an event field name (no aliasing).
    fn find_event_field(&self, name: &str) -> Option<usize>;
    /// Element indices of field `f`.
    fn elems(&self, f: usize) -> std::ops::Range<usize>;
    /// Every element index.
    fn all_elems(&self) -> std::ops::Range<usize>;
    /// Raw text of element `e`.
    fn raw(&self, e: usize) -> &str;
    /// Lowercase text of element `e`.
    fn low(&self, e: usize) -> &str;
    /// The field an element belongs to.
    fn field_of(&self, e: usize) -> usize;
    /// The event's name for field `f`.
    fn field_name(&self, f: usize) -> &str;
}

fn key_text(k: &Yaml) -> Option<String> {
    match k {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        Yaml::Real(r) => Some(r.clone()),
        _ => None,
    }
}

/// Compiles a rule's `detection:` map.
pub(crate) fn compile(
    det: &Yaml,
    placeholders: &HashMap<String, Vec<String>>,
) -> Result<Detection, Refusal> {
    let Yaml::Hash(map) = det else {
        return Err(Refusal::new("detection is missing or not a map"));
    };
    let mut names = Vec::new();
    let mut sels = Vec::new();
    let mut cond_yaml = None;
    for (k, v) in map {
        let key = key_text(k).ok_or_else(|| Refusal::new("detection key is not text"))?;
        match key.as_str() {
            "condition" => cond_yaml = Some(v),
            "timeframe" => {}
            _ => {
                let sel = compile_sel(v, placeholders, 0)
                    .map_err(|e| Refusal::new(format!("selection {key:?}: {}", e.0)))?;
                names.push(key);
                sels.push(sel);
            }
        }
    }
    let cond_yaml = cond_yaml.ok_or_else(|| Refusal::new("detection has no condition"))?;
    let cond = match cond_yaml {
        Yaml::String(s) => condition::parse(s, &names)?,
        Yaml::Array(items) if !items.is_empty() => {
            let mut alts = Vec::with_capacity(items.len());
            for i in items {
                match i {
                    Yaml::String(s) => alts.push(condition::parse(s, &names)?),
                    _ => return Err(Refusal::new("condition list item is not text")),
                }
            }
            if alts.len() == 1 {
                alts.remove(0)
            } else {
                Cond::Or(alts)
            }
        }
        _ => return Err(Refusal::new("condition is not text")),
    };
    Ok(Detection { sels, cond })
}

fn compile_sel(
    v: &Yaml,
    placeholders: &HashMap<String, Vec<String>>,
    depth: usize,
) -> Result<Sel, Refusal> {
    match v {
        Yaml::Hash(map) => {
            let mut tests = Vec::with_capacity(map.len());
            let mut keyword_tests = Vec::new();
            for (k, val) in map {
                let key = key_text(k).ok_or_else(|| Refusal::new("field name is not text"))?;
                let mut parts = key.split('|');
                let field = parts.next().unwrap_or("").trim().to_owned();
                let mods = Modifiers::parse(parts)?;
                if field.is_empty() {
                    keyword_tests.push(compile_values(val, mods.keyword_default(), placeholders)?);
                } else {
                    let values = compile_values(val, mods, placeholders)?;
                    tests.push(FieldTest {
                        field_lc: field.to_ascii_lowercase(),
                        field,
                        values,
                    });
                }
            }
            if tests.is_empty() && keyword_tests.len() == 1 {
                return Ok(Sel::Keywords(keyword_tests.remove(0)));
            }
            if !keyword_tests.is_empty() {
                return Err(Refusal::new("keyword values mixed with fields in one map"));
            }
            if tests.is_empty() {
                return Err(Refusal::new("empty selection"));
            }
            Ok(Sel::And(tests))
        }
        Yaml::Array(items) => {
            if items.is_empty() {
                return Err(Refusal::new("empty selection list"));
            }
            if items
                .iter()
                .all(|i| !matches!(i, Yaml::Hash(_) | Yaml::Array(_)))
            {
                let mods = Modifiers::parse(std::iter::empty())?.keyword_default();
                return Ok(Sel::Keywords(compile_values(v, mods, placeholders)?));
            }
            if depth > 2 {
                return Err(Refusal::new("selection lists nested too deeply"));
            }
            let mut alts = Vec::with_capacity(items.len());
            for i in items {
                alts.push(compile_sel(i, placeholders, depth + 1)?);
            }
            Ok(Sel::Or(alts))
        }
        Yaml::String(_) | Yaml::Integer(_) | Yaml::Real(_) | Yaml::Boolean(_) => {
            let mods = Modifiers::parse(std::iter::empty())?.keyword_default();
            Ok(Sel::Keywords(compile_values(v, mods, placeholders)?))
        }
        Yaml::Null => Err(Refusal::new("empty selection")),
        _ => Err(Refusal::new("unsupported selection shape")),
    }
}

fn compile_values(
    v: &Yaml,
    mods: Modifiers,
    placeholders: &HashMap<String, Vec<String>>,
) -> Result<Values, Refusal> {
    let items = match v {
        Yaml::Array(list) => {
            if list.is_empty() {
                return Err(Refusal::new("empty value list"));
            }
            let mut items = Vec::with_capacity(list.len());
            for i in list {
                items.push(mods.compile(i, placeholders)?);
            }
            items
        }
        other => vec![mods.compile(other, placeholders)?],
    };
    Ok(Values {
        items,
        all: mods.all,
    })
}

impl Values {
    fn item_on_field(alts: &[Pattern], f: Option<usize>, view: &impl View) -> Option<usize> {
        // Returns the matching element (usize::MAX when the match is not on an element).
        for p in alts {
            match f {
                None => {
                    if p.match_absent() {
                        return Some(usize::MAX);
                    }
                }
                Some(fi) => {
                    let elems = view.elems(fi);
                    if elems.is_empty() {
                        if matches!(p, Pattern::Null | Pattern::Exists(true)) {
                            return Some(usize::MAX);
                        }
                        continue;
                    }
                    if let Pattern::Exists(b) = p {
                        if *b {
                            return Some(elems.start);
                        }
                        continue;
                    }
                    if let Pattern::FieldRef { field, kind, cased } = p {
                        let Some(other) = view.find(&field.to_ascii_lowercase(), field) else {
                            continue;
                        };
                        for e in elems.clone() {
                            for o in view.elems(other) {
                                let hit = if *cased {
                                    fieldref_match(*kind, view.raw(e), view.raw(o))
                                } else {
                                    fieldref_match(*kind, view.low(e), view.low(o))
                                };
                                if hit {
                                    return Some(e);
                                }
                            }
                        }
                        continue;
                    }
                    for e in elems {
                        if p.match_elem(view.raw(e), view.low(e)) {
                            return Some(e);
                        }
                    }
                }
            }
        }
        None
    }

    /// The first element satisfying the values on field `f`, `Some(usize::MAX)`
    /// when satisfied without one (absent field, `null`), `None` when not.
    fn on_field(&self, f: Option<usize>, view: &impl View) -> Option<usize> {
        if self.all {
            let mut first = None;
            for item in &self.items {
                let e = Self::item_on_field(item, f, view)?;
                first.get_or_insert(e);
            }
            first
        } else {
            self.items
                .iter()
                .find_map(|item| Self::item_on_field(item, f, view))
        }
    }

    fn item_anywhere(alts: &[Pattern], view: &impl View) -> Option<usize> {
        view.all_elems().find(|e| {
            alts.iter()
                .any(|p| p.match_elem(view.raw(*e), view.low(*e)))
        })
    }

    /// Keyword semantics: the first element of any field matching.
    fn anywhere(&self, view: &impl View) -> Option<usize> {
        if self.all {
            let mut first = None;
            for item in &self.items {
                let e = Self::item_anywhere(item, view)?;
                first.get_or_insert(e);
            }
            first
        } else {
            self.items
                .iter()
                .find_map(|item| Self::item_anywhere(item, view))
        }
    }

    /// Literals one of which any match contains.
    fn literals(&self) -> Option<Literals> {
        let per_item = self
            .items
            .iter()
            .map(|alts| union_of(alts.iter().map(|p| p.required_literal().map(|l| vec![l]))));
        if self.all {
            best_of(per_item)
        } else {
            union_of(per_item)
        }
    }
}

impl Sel {
    /// Whether the selection holds for the view.
    pub(crate) fn eval(&self, view: &impl View) -> bool {
        match self {
            Sel::And(tests) => tests.iter().all(|t| {
                t.values
                    .on_field(view.find(&t.field_lc, &t.field), view)
                    .is_some()
            }),
            Sel::Or(alts) => alts.iter().any(|s| s.eval(view)),
            Sel::Keywords(v) => v.anywhere(view).is_some(),
        }
    }

    /// Appends the elements that satisfied the selection (when it holds).
    pub(crate) fn matched_elems(&self, view: &impl View, out: &mut Vec<usize>) {
        match self {
            Sel::And(tests) => {
                let start = out.len();
                for t in tests {
                    match t.values.on_field(view.find(&t.field_lc, &t.field), view) {
                        Some(usize::MAX) => {}
                        Some(e) => out.push(e),
                        None => {
                            out.truncate(start);
                            return;
                        }
                    }
                }
            }
            Sel::Or(alts) => {
                if let Some(s) = alts.iter().find(|s| s.eval(view)) {
                    s.matched_elems(view, out);
                }
            }
            Sel::Keywords(v) => {
                if let Some(e) = v.anywhere(view) {
                    out.push(e);
                }
            }
        }
    }

    /// Appends the Sigma field names the selection reads (with `|fieldref`
    /// targets); `false` when it reads every field (keywords).
    pub(crate) fn fields_read<'a>(&'a self, out: &mut Vec<&'a str>) -> bool {
        match self {
            Sel::And(tests) => {
                for t in tests {
                    out.push(&t.field);
                    for p in t.values.items.iter().flatten() {
                        if let Pattern::FieldRef { field, .. } = p {
                            out.push(field);
                        }
                    }
                }
                true
            }
            Sel::Or(alts) => alts.iter().all(|s| s.fields_read(out)),
            Sel::Keywords(_) => false,
        }
    }

    /// Literals one of which occurs in some field value whenever the selection holds.
    pub(crate) fn literals(&self) -> Option<Literals> {
        match self {
            Sel::And(tests) => best_of(tests.iter().map(|t| t.values.literals())),
            Sel::Or(alts) => union_of(alts.iter().map(Sel::literals)),
            Sel::Keywords(v) => v.literals(),
        }
    }
}
