//! Evidence events of one finding: the earliest and the most telling, kept in
//! bounded smallest-item sets so the choice does not depend on input order.

use super::EventRef;
use crate::weblog::sketch::BoundedMin;
use ferret_core::Timestamp;
use std::cmp::Reverse;
use std::sync::Arc;

/// Sort key for an optional instant: unknown times sort last.
pub(crate) fn time_key(t: Option<Timestamp>) -> i64 {
    t.map_or(i64::MAX, Timestamp::unix_micros)
}

/// The earlier of two optional instants.
pub(crate) fn min_time(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Where one event is: time key, log path, record id, line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Loc {
    pub time: i64,
    pub path: Arc<str>,
    pub record_id: Option<u64>,
    pub line: Option<u64>,
}

impl Loc {
    /// The public form.
    pub(crate) fn to_ref(&self) -> EventRef {
        EventRef {
            path: self.path.to_string(),
            record_id: self.record_id,
            line: self.line,
            time: (self.time != i64::MAX).then(|| Timestamp::from_unix_micros(self.time)),
        }
    }
}

/// How telling an event is: a score in thousandths (higher is more telling).
pub(crate) type Weight = u64;

/// A weight in thousandths, for exact ordering.
pub(crate) fn milli(w: f64) -> Weight {
    (w.max(0.0) * 1000.0).round().min(1e15) as u64
}

/// The earliest events and the most telling ones (latest first among equals).
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    earliest: BoundedMin<Loc>,
    telling: BoundedMin<(Reverse<Weight>, Reverse<i64>, Loc)>,
}

impl Evidence {
    pub(crate) fn new(first: usize, telling: usize) -> Evidence {
        Evidence {
            earliest: BoundedMin::new(first),
            telling: BoundedMin::new(telling),
        }
    }

    pub(crate) fn add(&mut self, loc: &Loc, weight: Weight) {
        self.earliest.insert(loc.clone());
        self.telling
            .insert((Reverse(weight), Reverse(loc.time), loc.clone()));
    }

    pub(crate) fn merge(&mut self, o: Evidence) {
        self.earliest.merge(o.earliest);
        self.telling.merge(o.telling);
    }

    /// All kept events in time order, without repeats.
    pub(crate) fn refs(&self) -> Vec<EventRef> {
        let mut all: Vec<Loc> = self
            .earliest
            .iter()
            .cloned()
            .chain(self.telling.iter().map(|(_, _, l)| l.clone()))
            .collect();
        all.sort();
        all.dedup();
        all.iter().map(Loc::to_ref).collect()
    }
}

/// The most telling item so far: highest weight, then earliest, then location.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Best<T> {
    pub weight: Weight,
    pub loc: Loc,
    pub item: T,
}

impl<T> Best<T> {
    fn key(&self) -> (Reverse<Weight>, &Loc) {
        (Reverse(self.weight), &self.loc)
    }

    /// Keeps the better of `slot` and `new`.
    pub(crate) fn offer(slot: &mut Option<Best<T>>, new: Best<T>) {
        match slot {
            Some(old) if old.key() <= new.key() => {}
            _ => *slot = Some(new),
        }
    }
}
