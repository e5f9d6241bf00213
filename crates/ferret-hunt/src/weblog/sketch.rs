//! Bounded, order-independent summaries: whatever order requests arrive in
//! and however they are split between analyzers, merging gives the same state.
//!
//! Each bounded set keeps the smallest items of a fixed total order (or of a
//! stable hash), so what survives a cap depends only on the set of inputs.

use std::collections::{BTreeMap, BTreeSet};

/// A hash that is the same in every thread, process and run: FNV-1a, then the
/// SplitMix64 finalizer to spread the bits.
pub(crate) fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Estimates a distinct count from the `k` smallest of uniformly spread
/// 64-bit hashes, the largest of which is `kth` (k-minimum-values).
fn kmv_estimate(k: usize, kth: u64) -> u64 {
    let frac = (kth as f64 + 1.0) / 18_446_744_073_709_551_616.0;
    (((k as f64) - 1.0) / frac).round().max(k as f64) as u64
}

/// The `cap` smallest distinct items seen.
#[derive(Debug, Clone)]
pub(crate) struct BoundedMin<T: Ord> {
    set: BTreeSet<T>,
    cap: usize,
}

impl<T: Ord> BoundedMin<T> {
    /// Keeps at most `cap` items.
    pub(crate) fn new(cap: usize) -> Self {
        BoundedMin {
            set: BTreeSet::new(),
            cap,
        }
    }

    /// Offers one item.
    pub(crate) fn insert(&mut self, item: T) {
        if self.set.len() < self.cap {
            self.set.insert(item);
        } else if self.set.last().is_some_and(|last| item < *last) && self.set.insert(item) {
            self.set.pop_last();
        }
    }

    /// Offers every item of another set.
    pub(crate) fn merge(&mut self, other: BoundedMin<T>) {
        for item in other.set {
            self.insert(item);
        }
    }

    /// The items, smallest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.set.iter()
    }
}

/// A distinct count: exact up to `cap` items, estimated beyond.
#[derive(Debug, Clone)]
pub(crate) struct DistinctSketch {
    hashes: BTreeSet<u64>,
    cap: usize,
    /// More than `cap` distinct hashes were seen.
    saturated: bool,
}

impl DistinctSketch {
    /// Exact up to `cap` (at least 2).
    pub(crate) fn new(cap: usize) -> Self {
        DistinctSketch {
            hashes: BTreeSet::new(),
            cap: cap.max(2),
            saturated: false,
        }
    }

    /// Counts the item with this stable hash.
    pub(crate) fn insert(&mut self, h: u64) {
        if self.hashes.contains(&h) {
            return;
        }
        if self.hashes.len() < self.cap {
            self.hashes.insert(h);
            return;
        }
        self.saturated = true;
        if self.hashes.last().is_some_and(|&last| h < last) {
            self.hashes.insert(h);
            self.hashes.pop_last();
        }
    }

    /// Adds another sketch's items.
    pub(crate) fn merge(&mut self, other: DistinctSketch) {
        self.saturated |= other.saturated;
        for h in other.hashes {
            self.insert(h);
        }
    }

    /// The number of distinct items (estimated when saturated).
    pub(crate) fn count(&self) -> u64 {
        match (self.saturated, self.hashes.last()) {
            (true, Some(&kth)) => kmv_estimate(self.hashes.len(), kth),
            _ => self.hashes.len() as u64,
        }
    }
}

/// Exact first and second moments of non-negative integers (response sizes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Moments {
    pub n: u64,
    sum: u128,
    sum_sq: u128,
    pub min: u64,
    pub max: u64,
}

impl Moments {
    /// Values above this are counted as this (a petabyte response is not real).
    const MAX_VALUE: u64 = 1 << 50;

    /// Adds one value.
    pub(crate) fn add(&mut self, v: u64) {
        let v = v.min(Self::MAX_VALUE);
        self.min = if self.n == 0 { v } else { self.min.min(v) };
        self.max = self.max.max(v);
        self.n = self.n.saturating_add(1);
        self.sum = self.sum.saturating_add(u128::from(v));
        self.sum_sq = self.sum_sq.saturating_add(u128::from(v) * u128::from(v));
    }

    /// Adds another set of values.
    pub(crate) fn merge(&mut self, o: &Moments) {
        if o.n == 0 {
            return;
        }
        self.min = if self.n == 0 {
            o.min
        } else {
            self.min.min(o.min)
        };
        self.max = self.max.max(o.max);
        self.n = self.n.saturating_add(o.n);
        self.sum = self.sum.saturating_add(o.sum);
        self.sum_sq = self.sum_sq.saturating_add(o.sum_sq);
    }

    /// The mean, when there are values.
    pub(crate) fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64)
    }

    /// The coefficient of variation (population standard deviation over the
    /// mean), when there are values and the mean is above zero.
    pub(crate) fn cv(&self) -> Option<f64> {
        let mean = self.mean()?;
        if mean <= 0.0 {
            return None;
        }
        let var = (self.sum_sq as f64 / self.n as f64 - mean * mean).max(0.0);
        Some(var.sqrt() / mean)
    }
}

/// What one client did with one URI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ClientStats {
    /// Successful requests.
    pub requests: u64,
    /// Successful POSTs.
    pub posts: u64,
    /// Sizes of successful responses.
    pub sizes: Moments,
}

impl ClientStats {
    fn merge(&mut self, o: &ClientStats) {
        self.requests = self.requests.saturating_add(o.requests);
        self.posts = self.posts.saturating_add(o.posts);
        self.sizes.merge(&o.sizes);
    }
}

/// Per-client statistics for the `cap` clients with the smallest stable hash,
/// and a distinct-client count (exact up to `cap`, estimated beyond). A client
/// kept at the end has complete statistics: once a client is turned away its
/// hash is above the largest kept, and that largest only falls.
#[derive(Debug, Clone)]
pub(crate) struct ClientMap {
    clients: BTreeMap<(u64, Box<str>), ClientStats>,
    cap: usize,
    saturated: bool,
}

impl ClientMap {
    /// Keeps at most `cap` clients (at least 2).
    pub(crate) fn new(cap: usize) -> Self {
        ClientMap {
            clients: BTreeMap::new(),
            cap: cap.max(2),
            saturated: false,
        }
    }

    /// The statistics slot of `client`, or `None` when it is not kept.
    pub(crate) fn slot(&mut self, client: &str) -> Option<&mut ClientStats> {
        let key = (stable_hash(client), Box::<str>::from(client));
        self.admit(key)
    }

    fn admit(&mut self, key: (u64, Box<str>)) -> Option<&mut ClientStats> {
        if !self.clients.contains_key(&key) {
            if self.clients.len() >= self.cap {
                self.saturated = true;
                let below_last = self
                    .clients
                    .last_key_value()
                    .is_some_and(|(last, _)| key < *last);
                if !below_last {
                    return None;
                }
                self.clients.pop_last();
            }
            self.clients.insert(key.clone(), ClientStats::default());
        }
        self.clients.get_mut(&key)
    }

    /// Adds another map's clients.
    pub(crate) fn merge(&mut self, other: ClientMap) {
        self.saturated |= other.saturated;
        for (key, stats) in other.clients {
            if let Some(slot) = self.admit(key) {
                slot.merge(&stats);
            }
        }
    }

    /// The number of distinct clients (estimated when more than `cap`).
    pub(crate) fn count(&self) -> u64 {
        match (self.saturated, self.clients.last_key_value()) {
            (true, Some(((kth, _), _))) => kmv_estimate(self.clients.len(), *kth),
            _ => self.clients.len() as u64,
        }
    }

    /// The kept clients and their statistics.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &ClientStats)> {
        self.clients.iter().map(|((_, name), s)| (&**name, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_min_keeps_smallest_in_any_order() {
        let mut a = BoundedMin::new(3);
        let mut b = BoundedMin::new(3);
        for i in [5, 1, 9, 3, 7, 1] {
            a.insert(i);
        }
        for i in [7, 3, 1, 9, 5] {
            b.insert(i);
        }
        assert_eq!(a.iter().copied().collect::<Vec<_>>(), vec![1, 3, 5]);
        assert_eq!(b.iter().copied().collect::<Vec<_>>(), vec![1, 3, 5]);
        let mut c = BoundedMin::new(3);
        c.insert(9);
        c.merge(b);
        assert_eq!(c.iter().copied().collect::<Vec<_>>(), vec![1, 3, 5]);
    }

    #[test]
    fn distinct_sketch_is_exact_then_close() {
        let mut s = DistinctSketch::new(64);
        for i in 0..50 {
            s.insert(stable_hash(&format!("10.0.0.{i}")));
            s.insert(stable_hash(&format!("10.0.0.{i}")));
        }
        assert_eq!(s.count(), 50);
        let mut big = DistinctSketch::new(256);
        for i in 0..20_000 {
            big.insert(stable_hash(&format!("client-{i}")));
        }
        let est = big.count() as f64;
        assert!((est - 20_000.0).abs() < 20_000.0 * 0.25, "estimate {est}");
    }

    #[test]
    fn client_map_is_order_independent() {
        let names: Vec<String> = (0..40).map(|i| format!("192.0.2.{i}")).collect();
        let fill = |order: &mut dyn Iterator<Item = &String>| {
            let mut m = ClientMap::new(8);
            for n in order {
                if let Some(s) = m.slot(n) {
                    s.requests += 1;
                    s.sizes.add(n.len() as u64);
                }
            }
            m
        };
        let a = fill(&mut names.iter().chain(names.iter()));
        let b = fill(&mut names.iter().rev().chain(names.iter()));
        let mut c = fill(&mut names[..20].iter().chain(names[..20].iter()));
        c.merge(fill(&mut names[20..].iter().chain(names[20..].iter())));
        let flat = |m: &ClientMap| {
            m.iter()
                .map(|(n, s)| (n.to_owned(), s.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(flat(&a), flat(&b));
        assert_eq!(flat(&a), flat(&c));
        assert!(flat(&a).iter().all(|(_, s)| s.requests == 2));
        assert_eq!(a.count(), c.count());
        assert!(a.count() >= 8);
    }

    #[test]
    fn moments_give_the_coefficient_of_variation() {
        let mut m = Moments::default();
        for v in [10, 10, 10, 10] {
            m.add(v);
        }
        assert_eq!(m.cv(), Some(0.0));
        let mut w = Moments::default();
        for v in [48, 48, 76, 987, 134_023, 53] {
            w.add(v);
        }
        assert!(w.cv().is_some_and(|cv| cv > 2.0));
        assert_eq!((w.min, w.max, w.n), (48, 134_023, 6));
        let mut z = Moments::default();
        z.add(0);
        assert_eq!(z.cv(), None);
        m.merge(&w);
        assert_eq!(m.n, 10);
    }
}
