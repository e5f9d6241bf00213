//! Matching events: route lookup, the per-event field text cache, the
//! prefilter, and rule evaluation. A [`Matcher`] holds per-thread scratch so
//! scanning allocates nothing per rule.

use std::fmt::Write as _;
use std::ops::Range;

use ferret_core::{Event, Value};

use super::detection::View;
use super::lower::push_lower;
use super::mapping::Route;
use super::ruleset::{format_slot, RuleSet};
use super::RuleId;

/// At most this many (field, value) pairs are reported per match.
const MAX_MATCH_FIELDS: usize = 16;
/// Reported values are cut to this many bytes (on a character boundary).
const MAX_VALUE_BYTES: usize = 1024;

/// One rule matching one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    /// The rule.
    pub rule: RuleId,
    /// Event fields whose values satisfied a positive selection (event field
    /// name, raw value cut to 1 KiB); at most 16.
    pub fields: Vec<(String, String)>,
    /// Values of the fields correlations need from this rule (Sigma field
    /// name, raw value); absent fields are left out.
    pub captured: Vec<(String, String)>,
}

/// The event's field values as text: every element (list items separately),
/// raw and lowercased; the lowercased texts joined by `\n` form the
/// prefilter haystack.
#[derive(Debug, Default)]
struct Texts {
    raw: String,
    hay: String,
    elems: Vec<(Range<usize>, Range<usize>)>,
    elem_field: Vec<usize>,
    field_elems: Vec<Range<usize>>,
    /// Per field: which of the event's buckets read it (bit per bucket).
    field_mask: Vec<u64>,
}

impl Texts {
    /// Fills the texts of the fields `wanted` gives a non-zero mask (bit i:
    /// the event's i-th bucket reads the field, by lowercased name); other
    /// fields get no elements (no rule of the event's buckets reads them).
    fn fill(&mut self, event: &Event, wanted: &mut impl FnMut(&str) -> u64) {
        self.raw.clear();
        self.hay.clear();
        self.elems.clear();
        self.elem_field.clear();
        self.field_elems.clear();
        self.field_mask.clear();
        for (fi, (name, v)) in event.fields.iter().enumerate() {
            let start = self.elems.len();
            let mask = wanted(name);
            self.field_mask.push(mask);
            if mask == 0 {
                self.field_elems.push(start..start);
                continue;
            }
            match v {
                Value::List(items) => items.iter().for_each(|i| self.push(fi, i)),
                other => self.push(fi, other),
            }
            self.field_elems.push(start..self.elems.len());
        }
    }

    fn push(&mut self, field: usize, v: &Value) {
        let rs = self.raw.len();
        match v {
            Value::Str(s) => self.raw.push_str(s),
            Value::Int(i) => {
                let _ = write!(self.raw, "{i}");
            }
            other => self.raw.push_str(&other.as_text()),
        }
        let ls = self.hay.len();
        push_lower(&mut self.hay, &self.raw[rs..]);
        let le = self.hay.len();
        self.hay.push('\n');
        self.elems.push((rs..self.raw.len(), ls..le));
        self.elem_field.push(field);
    }
}

struct EventView<'a> {
    event: &'a Event,
    texts: &'a Texts,
    route: &'a Route,
}

impl View for EventView<'_> {
    fn find(&self, sigma_lc: &str, sigma: &str) -> Option<usize> {
        self.find_event_field(self.route.event_field(sigma_lc, sigma))
    }

    fn find_event_field(&self, name: &str) -> Option<usize> {
        let fields = &self.event.fields;
        fields.iter().position(|(n, _)| n == name).or_else(|| {
            fields
                .iter()
                .position(|(n, _)| n.eq_ignore_ascii_case(name))
        })
    }

    fn elems(&self, f: usize) -> Range<usize> {
        self.texts.field_elems.get(f).cloned().unwrap_or(0..0)
    }

    fn all_elems(&self) -> Range<usize> {
        0..self.texts.elems.len()
    }

    fn raw(&self, e: usize) -> &str {
        &self.texts.raw[self.texts.elems[e].0.clone()]
    }

    fn low(&self, e: usize) -> &str {
        &self.texts.hay[self.texts.elems[e].1.clone()]
    }

    fn field_of(&self, e: usize) -> usize {
        self.texts.elem_field[e]
    }

    fn field_name(&self, f: usize) -> &str {
        self.event
            .fields
            .iter()
            .nth(f)
            .map(|(n, _)| n)
            .unwrap_or("")
    }
}

/// Matches events against a [`RuleSet`]; holds reusable scratch space.
pub struct Matcher<'a> {
    set: &'a RuleSet,
    texts: Texts,
    buf: String,
    buckets: Vec<usize>,
    slots: Vec<u32>,
    seen: Vec<bool>,
    /// (rule, route) pairs to evaluate.
    cands: Vec<(u32, u32)>,
    /// Per-selection result cache: 0 unknown, 1 false, 2 true.
    sel_state: Vec<u8>,
    elems: Vec<usize>,
}

impl std::fmt::Debug for Matcher<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher").finish_non_exhaustive()
    }
}

impl<'a> Matcher<'a> {
    pub(crate) fn new(set: &'a RuleSet) -> Matcher<'a> {
        Matcher {
            set,
            texts: Texts::default(),
            buf: String::new(),
            buckets: Vec::new(),
            slots: Vec::new(),
            seen: Vec::with_capacity(set.max_patterns),
            cands: Vec::new(),
            sel_state: Vec::with_capacity(set.max_sels),
            elems: Vec::new(),
        }
    }

    /// Appends a [`RuleMatch`] for every rule matching `event`, in rule order.
    pub fn scan(&mut self, event: &Event, out: &mut Vec<RuleMatch>) {
        let set = self.set;
        self.route_buckets(event);
        if self.buckets.is_empty() {
            return;
        }
        // Buckets past the 64th (never seen in practice) read every field.
        let buckets = &self.buckets;
        let name_buf = &mut self.buf;
        self.texts.fill(event, &mut |name: &str| {
            name_buf.clear();
            name_buf.push_str(name);
            name_buf.make_ascii_lowercase();
            let mut mask = 0u64;
            for (i, &b) in buckets.iter().enumerate() {
                let reads = match &set.buckets[b].fields {
                    None => true,
                    Some(f) => i >= 64 || f.contains(name_buf.as_str()),
                };
                if reads {
                    mask |= 1u64 << i.min(63);
                }
            }
            mask
        });
        self.cands.clear();
        for (bi, &b) in self.buckets.iter().enumerate() {
            let bucket = &set.buckets[b];
            self.slots.clear();
            if set.prefilter {
                // Only the fields this bucket's rules read can hold their literals.
                let bit = 1u64 << bi.min(63);
                let texts = &self.texts;
                let elems = texts
                    .field_mask
                    .iter()
                    .enumerate()
                    .filter(move |(_, m)| *m & bit != 0)
                    .flat_map(|(f, _)| texts.field_elems[f].clone())
                    .map(|e| &texts.hay[texts.elems[e].1.clone()]);
                bucket.filter.hits(elems, &mut self.seen, &mut self.slots);
            } else {
                self.slots.extend(0..bucket.rules.len() as u32);
            }
            for &s in &self.slots {
                if let Some(&rule) = bucket.rules.get(s as usize) {
                    self.cands.push((rule, bucket.route as u32));
                }
            }
        }
        self.cands.sort_unstable();
        self.cands.dedup();
        let mut last_matched: Option<u32> = None;
        for ci in 0..self.cands.len() {
            let (rule, route) = self.cands[ci];
            if last_matched == Some(rule) {
                continue;
            }
            let r = &set.rules[rule as usize];
            let view = EventView {
                event,
                texts: &self.texts,
                route: &set.routes[route as usize],
            };
            self.sel_state.clear();
            self.sel_state.resize(r.det.sels.len(), 0);
            let sels = &r.det.sels;
            let state = &mut self.sel_state;
            let hit = r.det.cond.eval(&mut |i| match state.get(i).copied() {
                Some(1) => false,
                Some(2) => true,
                _ => {
                    let v = sels.get(i).is_some_and(|s| s.eval(&view));
                    if let Some(slot) = state.get_mut(i) {
                        *slot = if v { 2 } else { 1 };
                    }
                    v
                }
            });
            if !hit {
                continue;
            }
            last_matched = Some(rule);
            out.push(describe(
                set,
                rule as usize,
                &view,
                &self.sel_state,
                &mut self.elems,
            ));
        }
    }

    /// Which buckets' routes apply to the event.
    fn route_buckets(&mut self, event: &Event) {
        let set = self.set;
        self.buckets.clear();
        let Some(fi) = set.index.get(format_slot(event.format)) else {
            return;
        };
        if !fi.by_channel.is_empty() {
            if let Some(ch) = event.fields.get("Channel") {
                self.buf.clear();
                push_lower(&mut self.buf, &ch.as_text());
                if let Some(bs) = fi.by_channel.get(self.buf.as_str()) {
                    self.buckets.extend_from_slice(bs);
                }
            }
        }
        self.buckets.extend_from_slice(&fi.generic);
        let buf = &mut self.buf;
        self.buckets
            .retain(|&b| set.routes[set.buckets[b].route].applies(event, buf));
    }
}

fn describe(
    set: &RuleSet,
    rule: usize,
    view: &EventView<'_>,
    sel_state: &[u8],
    elems: &mut Vec<usize>,
) -> RuleMatch {
    let r = &set.rules[rule];
    let mut fields: Vec<(String, String)> = Vec::new();
    for &si in &r.positive {
        if sel_state.get(si) != Some(&2) {
            continue;
        }
        elems.clear();
        if let Some(s) = r.det.sels.get(si) {
            s.matched_elems(view, elems);
        }
        for &e in elems.iter() {
            let name = view.field_name(view.field_of(e));
            let value = cut(view.raw(e));
            if fields.len() < MAX_MATCH_FIELDS
                && !fields.iter().any(|(n, v)| n == name && v == value)
            {
                fields.push((name.to_owned(), value.to_owned()));
            }
        }
    }
    let captured = set
        .correlations()
        .captured_fields(RuleId(rule))
        .iter()
        .filter_map(|name| {
            let f = view.find(&name.to_ascii_lowercase(), name)?;
            let e = view.elems(f).next()?;
            Some((name.clone(), view.raw(e).to_owned()))
        })
        .collect();
    RuleMatch {
        rule: RuleId(rule),
        fields,
        captured,
    }
}

fn cut(s: &str) -> &str {
    if s.len() <= MAX_VALUE_BYTES {
        return s;
    }
    let mut end = MAX_VALUE_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
