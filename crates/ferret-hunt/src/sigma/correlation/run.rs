//! Running a [`CorrelationSet`] over base matches.

use std::collections::HashMap;

use ferret_core::Timestamp;

use super::rule::CorrelationKind;
use super::set::{
    BaseMatch, Compiled, CorrelationHit, CorrelationId, CorrelationOutcome, CorrelationSet, Source,
    MAX_HIT_EVENTS,
};
use super::window::{
    count_windows, ordered_windows, DistinctRules, DistinctValues, EventCount, Item, Window,
};

/// A hit plus the time its condition was met (what a chained correlation sees).
struct TimedHit {
    hit: CorrelationHit,
    trigger: i64,
}

/// Where an item came from.
#[derive(Clone, Copy)]
enum Origin {
    /// A base match: its index in the caller's slice.
    Base(usize),
    /// A hit of a chained correlation: (correlation, hit index).
    Hit(usize, usize),
}

/// An [`Item`] with what is needed to sort, merge and report it.
struct Entry {
    group: u32,
    /// Caller's event index for base matches; hits sort after them at equal times.
    event: usize,
    seq: usize,
    origin: Origin,
    item: Item,
}

/// Strings numbered in first-seen order.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    strings: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
        self.ids.insert(s.to_owned(), id);
        self.strings.push(s.to_owned());
        id
    }

    fn text(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", String::as_str)
    }
}

/// The value of `field` among (name, value) pairs: exact name first, then
/// ASCII case-insensitive; `None` when absent.
fn lookup<'a>(pairs: &'a [(String, String)], field: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == field)
        .or_else(|| pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(field)))
        .map(|(_, v)| v.as_str())
}

impl CorrelationSet {
    /// Runs every correlation over `matches` (any order). Matches without a
    /// time cannot take part in a window and are only counted in
    /// [`CorrelationOutcome::untimed`]. Chained correlations run first; their
    /// hits enter the correlations using them at the time their condition
    /// was met, with their group values as fields.
    pub fn run(&self, matches: &[BaseMatch]) -> CorrelationOutcome {
        let mut outcome = CorrelationOutcome::default();
        let mut feeds: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.compiled.len()];
        for (seq, m) in matches.iter().enumerate() {
            let Some(targets) = self.by_rule.get(&m.rule) else {
                continue;
            };
            if m.time.is_none() {
                outcome.untimed += 1;
                continue;
            }
            for &(c, pos) in targets {
                feeds[c].push((seq, pos));
            }
        }
        let mut results: Vec<Vec<TimedHit>> =
            (0..self.compiled.len()).map(|_| Vec::new()).collect();
        for &c in &self.order {
            results[c] = self.run_one(c, &feeds[c], matches, &results);
        }
        for (c, hits) in results.into_iter().enumerate() {
            if !self.compiled[c].suppressed {
                outcome.hits.extend(hits.into_iter().map(|h| h.hit));
            }
        }
        outcome.hits.sort_by_key(|h| (h.first, h.correlation));
        outcome
    }

    fn run_one(
        &self,
        c: usize,
        feed: &[(usize, usize)],
        matches: &[BaseMatch],
        done: &[Vec<TimedHit>],
    ) -> Vec<TimedHit> {
        let comp = &self.compiled[c];
        let mut strings = Interner::default();
        let mut groups: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut group_keys: Vec<Vec<u32>> = Vec::new();
        let mut key: Vec<u32> = Vec::with_capacity(comp.rule.group_by.len());
        let mut entries: Vec<Entry> = Vec::with_capacity(feed.len());

        let mut push = |pairs: &[(String, String)], pos: usize, time: i64, event, seq, origin| {
            let input = &comp.inputs[pos];
            key.clear();
            for f in &input.key_fields {
                key.push(strings.id(lookup(pairs, f).unwrap_or("")));
            }
            let group = match groups.get(key.as_slice()) {
                Some(&g) => g,
                None => {
                    let g = u32::try_from(group_keys.len()).unwrap_or(u32::MAX);
                    groups.insert(key.clone(), g);
                    group_keys.push(key.clone());
                    g
                }
            };
            let value = input
                .value_field
                .as_deref()
                .and_then(|f| lookup(pairs, f))
                .map(|v| strings.id(v));
            entries.push(Entry {
                group,
                event,
                seq,
                origin,
                item: Item {
                    time,
                    mask: 1 << pos,
                    value,
                },
            });
        };
        for &(seq, pos) in feed {
            let m = &matches[seq];
            let time = m.time.map_or(0, Timestamp::unix_micros);
            push(&m.captured, pos, time, m.event, seq, Origin::Base(seq));
        }
        for (pos, input) in comp.inputs.iter().enumerate() {
            let Source::Chain(inner) = input.source else {
                continue;
            };
            for (h, th) in done[inner].iter().enumerate() {
                let seq = matches.len().saturating_add(h);
                push(
                    &th.hit.group,
                    pos,
                    th.trigger,
                    usize::MAX,
                    seq,
                    Origin::Hit(inner, h),
                );
            }
        }

        entries.sort_unstable_by_key(|e| (e.group, e.item.time, e.event, e.seq));
        merge_same_event(&mut entries);

        let items: Vec<Item> = entries.iter().map(|e| e.item).collect();
        let span = comp.rule.timespan_micros;
        let threshold = comp.rule.threshold;
        let accepts = |n| threshold.accepts(n);
        let upper = threshold.has_upper_bound();
        let mut windows: Vec<(usize, Window)> = Vec::new();
        let mut found = Vec::new();
        let mut distinct_values = match comp.rule.kind {
            CorrelationKind::ValueCount { .. } => DistinctValues::new(strings.strings.len()),
            _ => DistinctValues::new(0),
        };
        let mut start = 0;
        while start < entries.len() {
            let group = entries[start].group;
            let end = start + entries[start..].partition_point(|e| e.group == group);
            let slice = &items[start..end];
            found.clear();
            match comp.rule.kind {
                CorrelationKind::EventCount => count_windows(
                    slice,
                    span,
                    accepts,
                    upper,
                    &mut EventCount::default(),
                    &mut found,
                ),
                CorrelationKind::ValueCount { .. } => count_windows(
                    slice,
                    span,
                    accepts,
                    upper,
                    &mut distinct_values,
                    &mut found,
                ),
                CorrelationKind::Temporal => count_windows(
                    slice,
                    span,
                    accepts,
                    upper,
                    &mut DistinctRules::default(),
                    &mut found,
                ),
                CorrelationKind::TemporalOrdered => {
                    ordered_windows(slice, span, comp.inputs.len(), &mut found)
                }
            }
            windows.extend(found.iter().map(|w| (start, *w)));
            start = end;
        }

        windows
            .into_iter()
            .map(|(offset, w)| {
                let group_key = &group_keys[entries[offset].group as usize];
                self.hit(
                    c,
                    comp,
                    &entries[offset + w.start..offset + w.end],
                    w,
                    group_key,
                    &strings,
                    matches,
                    done,
                )
                .into_timed(entries[offset + w.trigger].item.time)
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn hit(
        &self,
        c: usize,
        comp: &Compiled,
        window: &[Entry],
        w: Window,
        group_key: &[u32],
        strings: &Interner,
        matches: &[BaseMatch],
        done: &[Vec<TimedHit>],
    ) -> CorrelationHit {
        let mut events: Vec<usize> = Vec::new();
        'collect: for e in window {
            let from: &[usize] = match e.origin {
                Origin::Base(seq) => std::slice::from_ref(&matches[seq].event),
                Origin::Hit(inner, h) => &done[inner][h].hit.events,
            };
            for &ev in from {
                if events.len() >= MAX_HIT_EVENTS {
                    break 'collect;
                }
                if !events.contains(&ev) {
                    events.push(ev);
                }
            }
        }
        let time = |e: Option<&Entry>| Timestamp::from_unix_micros(e.map_or(0, |e| e.item.time));
        CorrelationHit {
            correlation: CorrelationId(c),
            group: comp
                .rule
                .group_by
                .iter()
                .zip(group_key)
                .map(|(name, &v)| (name.clone(), strings.text(v).to_owned()))
                .collect(),
            first: time(window.first()),
            last: time(window.last()),
            count: w.count,
            events,
        }
    }
}

impl CorrelationHit {
    fn into_timed(self, trigger: i64) -> TimedHit {
        TimedHit { hit: self, trigger }
    }
}

/// One event matching several referenced rules is one item: consecutive
/// entries of the same group, time, base event and counted value merge their
/// rule masks.
fn merge_same_event(entries: &mut Vec<Entry>) {
    entries.dedup_by(|later, kept| {
        let same = matches!(
            (later.origin, kept.origin),
            (Origin::Base(_), Origin::Base(_))
        ) && later.group == kept.group
            && later.item.time == kept.item.time
            && later.event == kept.event
            && later.item.value == kept.item.value;
        if same {
            kept.item.mask |= later.item.mask;
        }
        same
    });
}
