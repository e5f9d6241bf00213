//! The literal prefilter: for each rule, a set of lowercased literals at
//! least one of which must occur in some field value if the rule can match;
//! one Aho-Corasick automaton per route bucket finds which sets an event hits.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::condition::Cond;
use super::detection::Sel;

/// Buckets whose literals total more bytes than this use an NFA (DFA memory bound).
const DFA_MAX_PATTERN_BYTES: usize = 256 * 1024;

/// Alternatives: a match implies one of them occurs (lowercased) in a field value.
pub(crate) type Literals = Vec<String>;

/// Union of alternatives: `None` (no requirement) if any part has none.
pub(crate) fn union_of(parts: impl Iterator<Item = Option<Literals>>) -> Option<Literals> {
    let mut out: Literals = Vec::new();
    let mut any = false;
    for p in parts {
        any = true;
        for l in p? {
            if !out.contains(&l) {
                out.push(l);
            }
        }
    }
    any.then_some(out)
}

/// Conjunction: every part holds, so any one part's literals will do; picks
/// the most selective (longest shortest literal, then fewest literals).
pub(crate) fn best_of(parts: impl Iterator<Item = Option<Literals>>) -> Option<Literals> {
    parts.flatten().filter(|l| !l.is_empty()).max_by_key(|l| {
        let shortest = l.iter().map(|s| s.chars().count()).min().unwrap_or(0);
        (shortest.min(12), usize::MAX - l.len())
    })
}

/// The literal requirement of a whole condition.
pub(crate) fn cond_literals(c: &Cond, sels: &[Sel]) -> Option<Literals> {
    let sel = |i: &usize| sels.get(*i).and_then(Sel::literals);
    match c {
        Cond::Sel(i) => sel(i),
        Cond::Not(_) => None,
        Cond::And(cs) => best_of(cs.iter().map(|c| cond_literals(c, sels))),
        Cond::Or(cs) => union_of(cs.iter().map(|c| cond_literals(c, sels))),
        Cond::AtLeast(_, ids) => union_of(ids.iter().map(sel)),
        Cond::All(ids) => best_of(ids.iter().map(sel)),
    }
}

/// The prefilter of one route bucket.
#[derive(Debug)]
pub(crate) struct BucketFilter {
    /// Slots (indices into the bucket's rule list) always evaluated.
    pub(crate) always: Vec<u32>,
    /// `None` when no rule has literals.
    ac: Option<AhoCorasick>,
    /// Pattern id -> bucket slots that require it.
    pattern_slots: Vec<Vec<u32>>,
}

impl BucketFilter {
    /// Builds the filter for rules with these literal requirements (by slot).
    pub(crate) fn new(reqs: &[Option<Literals>]) -> BucketFilter {
        let mut always = Vec::new();
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut pats: Vec<&str> = Vec::new();
        let mut pattern_slots: Vec<Vec<u32>> = Vec::new();
        for (slot, req) in reqs.iter().enumerate() {
            let slot = slot as u32;
            match req {
                None => always.push(slot),
                Some(lits) => {
                    for l in lits {
                        let id = *ids.entry(l.as_str()).or_insert_with(|| {
                            pats.push(l.as_str());
                            pattern_slots.push(Vec::new());
                            pats.len() - 1
                        });
                        if pattern_slots[id].last() != Some(&slot) {
                            pattern_slots[id].push(slot);
                        }
                    }
                }
            }
        }
        let ac = if pats.is_empty() {
            None
        } else {
            // A DFA when it stays small enough (one table lookup per byte), else an NFA.
            let build = |kind| {
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .kind(kind)
                    .build(&pats)
            };
            let total: usize = pats.iter().map(|p| p.len()).sum();
            let dfa = if total <= DFA_MAX_PATTERN_BYTES {
                build(Some(AhoCorasickKind::DFA)).ok()
            } else {
                None
            };
            match dfa.map(Ok).unwrap_or_else(|| build(None)) {
                Ok(ac) => Some(ac),
                Err(_) => {
                    // Too large to build: evaluate every rule (exact, only slower).
                    always = (0..reqs.len() as u32).collect();
                    pattern_slots.clear();
                    None
                }
            }
        };
        BucketFilter {
            always,
            ac,
            pattern_slots,
        }
    }

    /// Number of distinct literals in the automaton.
    pub(crate) fn patterns(&self) -> usize {
        self.pattern_slots.len()
    }

    /// Appends every slot whose literal set one of the `texts` (lowercased
    /// field values) hits, and the always-evaluated slots; `seen` is scratch.
    pub(crate) fn hits<'t>(
        &self,
        texts: impl Iterator<Item = &'t str>,
        seen: &mut Vec<bool>,
        out: &mut Vec<u32>,
    ) {
        out.extend_from_slice(&self.always);
        let Some(ac) = &self.ac else { return };
        seen.clear();
        seen.resize(self.pattern_slots.len(), false);
        for t in texts {
            for m in ac.find_overlapping_iter(t) {
                let id = m.pattern().as_usize();
                if !seen[id] {
                    seen[id] = true;
                    out.extend_from_slice(&self.pattern_slots[id]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(v: &[&str]) -> Option<Literals> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn combinators() {
        assert_eq!(
            union_of([l(&["a"]), l(&["b", "a"])].into_iter()),
            l(&["a", "b"])
        );
        assert_eq!(union_of([l(&["a"]), None].into_iter()), None);
        assert_eq!(
            best_of([l(&["x"]), l(&["longer"]), None].into_iter()),
            l(&["longer"])
        );
        assert_eq!(best_of([None, None].into_iter()), None);
        assert_eq!(
            best_of([l(&["abcd", "efgh"]), l(&["ijkl"])].into_iter()),
            l(&["ijkl"])
        );
    }

    #[test]
    fn bucket_hits() {
        let f = BucketFilter::new(&[
            l(&["cmd.exe"]),
            None,
            l(&["whoami", "cmd.exe"]),
            l(&["zzz"]),
        ]);
        assert_eq!(f.patterns(), 3);
        let mut seen = Vec::new();
        let mut out = Vec::new();
        f.hits(
            ["c:\\windows\\cmd.exe", "whoami /all"].into_iter(),
            &mut seen,
            &mut out,
        );
        out.sort_unstable();
        out.dedup();
        assert_eq!(out, vec![0, 1, 2]);
        out.clear();
        f.hits(std::iter::once("nothing"), &mut seen, &mut out);
        assert_eq!(out, vec![1]);
    }
}
