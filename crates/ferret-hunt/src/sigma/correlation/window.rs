//! Sliding time windows over one group's matches, sorted by time.
//!
//! A window starts at a match (its anchor) and holds every later match at
//! most `timespan` after it: matches exactly `timespan` apart share a window.
//! Anchors are tried in time order; when a window matches, it is reported
//! whole and the next anchor is the first match after it, so one burst gives
//! one hit and hits never overlap. A window that does not match is followed
//! by the window of the next match (sliding) when the condition is only a
//! lower bound, and by the window of the first match after it when the
//! condition caps the count (`lt`, `lte`, `eq`, ranges): otherwise part of a
//! burst that is too large would pass for a small one.

/// One match as the window algorithms see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Item {
    /// Microseconds since the epoch.
    pub time: i64,
    /// Bit k set: the match counts for the correlation's k-th referenced rule.
    pub mask: u64,
    /// Interned value of the value_count field, when the match has it.
    pub value: Option<u32>,
}

/// A matching window: `items[start..end]`, reached at `items[trigger]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Window {
    /// First item of the window.
    pub start: usize,
    /// One past the last item.
    pub end: usize,
    /// The item at which the window first met the condition.
    pub trigger: usize,
    /// The measured count.
    pub count: u64,
}

/// A count kept incrementally as items enter and leave a window.
pub(super) trait Measure {
    /// An item enters the window.
    fn add(&mut self, item: &Item);
    /// An item (added earlier) leaves the window.
    fn remove(&mut self, item: &Item);
    /// The current count.
    fn value(&self) -> u64;
}

/// The number of items.
#[derive(Debug, Default)]
pub(super) struct EventCount(u64);

impl Measure for EventCount {
    fn add(&mut self, _: &Item) {
        self.0 += 1;
    }
    fn remove(&mut self, _: &Item) {
        self.0 = self.0.saturating_sub(1);
    }
    fn value(&self) -> u64 {
        self.0
    }
}

/// The number of distinct values (items without a value do not count).
#[derive(Debug)]
pub(super) struct DistinctValues {
    counts: Vec<u32>,
    distinct: u64,
}

impl DistinctValues {
    /// Room for value ids below `n`.
    pub fn new(n: usize) -> DistinctValues {
        DistinctValues {
            counts: vec![0; n],
            distinct: 0,
        }
    }
}

impl Measure for DistinctValues {
    fn add(&mut self, item: &Item) {
        if let Some(c) = item.value.and_then(|v| self.counts.get_mut(v as usize)) {
            if *c == 0 {
                self.distinct += 1;
            }
            *c += 1;
        }
    }
    fn remove(&mut self, item: &Item) {
        if let Some(c) = item.value.and_then(|v| self.counts.get_mut(v as usize)) {
            if *c == 1 {
                self.distinct -= 1;
            }
            *c = c.saturating_sub(1);
        }
    }
    fn value(&self) -> u64 {
        self.distinct
    }
}

/// The number of distinct referenced rules seen.
#[derive(Debug)]
pub(super) struct DistinctRules {
    counts: [u32; 64],
    distinct: u64,
}

impl Default for DistinctRules {
    fn default() -> DistinctRules {
        DistinctRules {
            counts: [0; 64],
            distinct: 0,
        }
    }
}

impl Measure for DistinctRules {
    fn add(&mut self, item: &Item) {
        for k in bits(item.mask) {
            if self.counts[k] == 0 {
                self.distinct += 1;
            }
            self.counts[k] += 1;
        }
    }
    fn remove(&mut self, item: &Item) {
        for k in bits(item.mask) {
            if self.counts[k] == 1 {
                self.distinct -= 1;
            }
            self.counts[k] = self.counts[k].saturating_sub(1);
        }
    }
    fn value(&self) -> u64 {
        self.distinct
    }
}

/// Indices of the set bits, lowest first.
fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let k = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            k
        })
    })
}

/// Whether `later` is at most `span` after `earlier` (`later >= earlier`).
fn within(earlier: i64, later: i64, span: i64) -> bool {
    later.saturating_sub(earlier) <= span
}

/// Windows whose measure satisfies `accepts`, appended to `out`. `measure`
/// must be empty on entry and is empty again on return.
pub(super) fn count_windows<M: Measure>(
    items: &[Item],
    span: i64,
    accepts: impl Fn(u64) -> bool,
    has_upper_bound: bool,
    measure: &mut M,
    out: &mut Vec<Window>,
) {
    let (mut a, mut b) = (0, 0);
    while a < items.len() {
        while b < items.len() && within(items[a].time, items[b].time, span) {
            measure.add(&items[b]);
            b += 1;
        }
        let count = measure.value();
        if !accepts(count) && !has_upper_bound {
            // Sliding: a later anchor's window reaches further and may match.
            measure.remove(&items[a]);
            a += 1;
            continue;
        }
        if !accepts(count) {
            // Capped: a sub-window of a window that is too full must not
            // match, so the next window starts after this one.
            items[a..b].iter().for_each(|it| measure.remove(it));
            a = b;
            continue;
        }
        items[a..b].iter().for_each(|it| measure.remove(it));
        // The trigger: where a lower-bound-only condition was first met; a
        // capped condition is only known to hold once the window is complete.
        let mut trigger = b - 1;
        if !has_upper_bound {
            for (i, it) in items.iter().enumerate().take(b).skip(a) {
                measure.add(it);
                if accepts(measure.value()) {
                    trigger = i;
                    break;
                }
            }
            items[a..=trigger].iter().for_each(|it| measure.remove(it));
        }
        out.push(Window {
            start: a,
            end: b,
            trigger,
            count,
        });
        a = b;
    }
}

/// Windows in which the referenced rules `0..rules` matched in order (each by
/// a different, later-or-equal-time item), appended to `out`.
pub(super) fn ordered_windows(items: &[Item], span: i64, rules: usize, out: &mut Vec<Window>) {
    if rules == 0 || rules > 64 {
        return;
    }
    // latest[k]: the latest start of a partial sequence covering rules 0..=k.
    let mut latest: Vec<Option<usize>> = vec![None; rules];
    let mut i = 0;
    while i < items.len() {
        let item = items[i];
        for k in (0..rules).rev().filter(|&k| item.mask & (1 << k) != 0) {
            if k == 0 {
                latest[0] = Some(i);
            } else if let Some(s) = latest[k - 1] {
                if within(items[s].time, item.time, span) {
                    latest[k] = Some(latest[k].map_or(s, |old| old.max(s)));
                }
            }
        }
        let Some(start) = latest[rules - 1] else {
            i += 1;
            continue;
        };
        let mut end = i + 1;
        while end < items.len() && within(items[start].time, items[end].time, span) {
            end += 1;
        }
        out.push(Window {
            start,
            end,
            trigger: i,
            count: rules as u64,
        });
        latest.iter_mut().for_each(|s| *s = None);
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(time: i64, rule: usize) -> Item {
        Item {
            time,
            mask: 1 << rule,
            value: None,
        }
    }

    fn counted(items: &[Item], span: i64, min: u64) -> Vec<Window> {
        let mut out = Vec::new();
        let mut m = EventCount::default();
        count_windows(items, span, |c| c >= min, false, &mut m, &mut out);
        assert_eq!(m.value(), 0, "measure must be empty after a run");
        out
    }

    #[test]
    fn count_window_includes_the_exact_edge() {
        let items = [item(0, 0), item(10, 0)];
        let w = counted(&items, 10, 2);
        assert_eq!(
            w,
            vec![Window {
                start: 0,
                end: 2,
                trigger: 1,
                count: 2
            }]
        );
        let items = [item(0, 0), item(11, 0)];
        assert!(counted(&items, 10, 2).is_empty());
    }

    #[test]
    fn hits_do_not_overlap_and_take_the_whole_window() {
        let items: Vec<Item> = (0..10).map(|t| item(t, 0)).collect();
        let w = counted(&items, 4, 3);
        // Anchors 0 and 5 each see five items (t..=t+4).
        assert_eq!(
            w,
            vec![
                Window {
                    start: 0,
                    end: 5,
                    trigger: 2,
                    count: 5
                },
                Window {
                    start: 5,
                    end: 10,
                    trigger: 7,
                    count: 5
                },
            ]
        );
    }

    #[test]
    fn distinct_values_ignore_repeats_and_missing_values() {
        let v = |time, value| Item {
            time,
            mask: 1,
            value,
        };
        let items = [v(0, Some(1)), v(1, Some(1)), v(2, None), v(3, Some(2))];
        let mut out = Vec::new();
        let mut m = DistinctValues::new(3);
        count_windows(&items, 10, |c| c >= 2, false, &mut m, &mut out);
        assert_eq!(
            out,
            vec![Window {
                start: 0,
                end: 4,
                trigger: 3,
                count: 2
            }]
        );
        out.clear();
        count_windows(&items, 10, |c| c >= 3, false, &mut m, &mut out);
        assert!(out.is_empty());
        assert_eq!(m.value(), 0);
    }

    #[test]
    fn ordered_needs_the_listed_order() {
        let mut out = Vec::new();
        ordered_windows(&[item(0, 1), item(1, 0)], 10, 2, &mut out);
        assert!(out.is_empty());
        ordered_windows(
            &[item(0, 1), item(1, 0), item(2, 1), item(3, 0)],
            10,
            2,
            &mut out,
        );
        assert_eq!(
            out,
            vec![Window {
                start: 1,
                end: 4,
                trigger: 2,
                count: 2
            }]
        );
    }

    #[test]
    fn ordered_uses_the_latest_start_to_fit_the_span() {
        // A at 0, A at 8, B at 15: only the second A is within 10 of B.
        let mut out = Vec::new();
        ordered_windows(&[item(0, 0), item(8, 0), item(15, 1)], 10, 2, &mut out);
        assert_eq!(
            out,
            vec![Window {
                start: 1,
                end: 3,
                trigger: 2,
                count: 2
            }]
        );
        out.clear();
        ordered_windows(&[item(0, 0), item(15, 1)], 10, 2, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn one_item_never_fills_two_steps() {
        let both = Item {
            time: 0,
            mask: 0b11,
            value: None,
        };
        let mut out = Vec::new();
        ordered_windows(&[both], 10, 2, &mut out);
        assert!(out.is_empty());
        ordered_windows(&[both, both], 10, 2, &mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn distinct_rules_count_each_rule_once() {
        let mut m = DistinctRules::default();
        m.add(&item(0, 3));
        m.add(&item(1, 3));
        m.add(&item(2, 63));
        assert_eq!(m.value(), 2);
        m.remove(&item(0, 3));
        assert_eq!(m.value(), 2);
        m.remove(&item(1, 3));
        assert_eq!(m.value(), 1);
    }
}
