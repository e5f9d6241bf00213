//! Per-direction TCP reassembly: bytes are delivered in sequence order.
//!
//! Sequence numbers become 64-bit stream offsets relative to the first one
//! seen, so wraparound is handled. In-order payload is passed straight
//! through (no copy); out-of-order segments are copied into a buffer bounded
//! per stream and over all streams. Overlaps are resolved first-wins: bytes
//! already delivered or already buffered are kept, later copies of the same
//! range are dropped (so retransmissions vanish). When a bound is hit, or
//! when the stream is flushed at close, the hole is skipped and reported as
//! a gap (missed bytes).

use std::collections::BTreeMap;

/// What a stream delivers, in order.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Chunk<'a> {
    /// The next bytes of the stream.
    Data(&'a [u8]),
    /// This many bytes were never seen and are skipped.
    Gap(u64),
}

/// Buffer accounting shared by all streams of a capture.
#[derive(Debug)]
pub(crate) struct Budget {
    /// Bytes buffered now over all streams.
    pub total: usize,
    /// Bound on `total`.
    pub max_total: usize,
    /// Bound on one stream's buffer.
    pub max_stream: usize,
    /// Bytes HTTP parsers hold over all connections (counted against
    /// `max_total` too).
    pub http: usize,
    /// Whether an HTTP parser was dropped for the cap (reported once).
    pub http_capped: bool,
}

/// One direction of a TCP connection.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    started: bool,
    /// Sequence number of stream offset 0.
    base: u32,
    /// Offset of the next byte to deliver.
    next: u64,
    ooo: BTreeMap<u64, Vec<u8>>,
    buffered: usize,
    /// Bytes skipped so far.
    pub missed: u64,
}

impl Stream {
    /// A SYN fixes the initial sequence number (data starts one after it).
    pub fn syn(&mut self, seq: u32) {
        if !self.started {
            self.started = true;
            self.base = seq.wrapping_add(1);
            self.next = 0;
        }
    }

    /// Bytes buffered out of order.
    #[cfg(test)]
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    fn offset(&self, seq: u32) -> i64 {
        let next_seq = self.base.wrapping_add(self.next as u32);
        self.next as i64 + i64::from(seq.wrapping_sub(next_seq) as i32)
    }

    /// A segment: `data` as captured at `seq`, followed by `missing_tail`
    /// bytes the capture cut off (snap length).
    pub fn segment(
        &mut self,
        seq: u32,
        data: &[u8],
        missing_tail: u32,
        budget: &mut Budget,
        out: &mut dyn FnMut(Chunk<'_>),
    ) {
        if !self.started {
            self.started = true;
            self.base = seq;
            self.next = 0;
        }
        let total = data.len() as u64 + u64::from(missing_tail);
        if total == 0 {
            return;
        }
        let off = self.offset(seq);
        let end = off + total as i64;
        let next = self.next as i64;
        if end <= next {
            return; // retransmission of delivered bytes
        }
        if off <= next {
            self.deliver_at(off, data, end, out);
            self.drain(budget, out);
            return;
        }
        let off = off as u64;
        if data.is_empty() {
            return; // only cut-off bytes: the hole shows up later as a gap
        }
        let over_stream = self.buffered + data.len() > budget.max_stream;
        let over_total = budget.total + data.len() > budget.max_total;
        if over_stream || over_total {
            // Skip ahead: flush what is buffered before this segment, then
            // deliver it directly.
            self.flush_before(off, budget, out);
            self.deliver_at(off as i64, data, end, out);
            self.drain(budget, out);
            return;
        }
        self.insert(off, data, budget);
    }

    /// Delivers `data` starting at `off` (≤ next), trimming what was already
    /// delivered; `end` includes cut-off bytes, reported as a gap.
    fn deliver_at(&mut self, off: i64, data: &[u8], end: i64, out: &mut dyn FnMut(Chunk<'_>)) {
        let next = self.next as i64;
        if off > next {
            let gap = (off - next) as u64;
            self.missed += gap;
            out(Chunk::Gap(gap));
            self.next = off as u64;
        }
        let skip = (self.next as i64 - off) as usize;
        if skip < data.len() {
            out(Chunk::Data(&data[skip..]));
            self.next += (data.len() - skip) as u64;
        }
        if end > self.next as i64 {
            let gap = (end - self.next as i64) as u64;
            self.missed += gap;
            out(Chunk::Gap(gap));
            self.next = end as u64;
        }
    }

    /// Stores the parts of `[off, off+len)` not already buffered.
    fn insert(&mut self, off: u64, data: &[u8], budget: &mut Budget) {
        let end = off + data.len() as u64;
        let mut cur = off;
        if let Some((&k, v)) = self.ooo.range(..=cur).next_back() {
            cur = cur.max(k + v.len() as u64);
        }
        if cur >= end {
            return;
        }
        let covered: Vec<(u64, u64)> = self
            .ooo
            .range(cur..end)
            .map(|(&k, v)| (k, k + v.len() as u64))
            .collect();
        for (k, ke) in covered {
            if k > cur {
                self.put(cur, &data[(cur - off) as usize..(k - off) as usize], budget);
            }
            cur = cur.max(ke);
        }
        if cur < end {
            self.put(cur, &data[(cur - off) as usize..], budget);
        }
    }

    fn put(&mut self, at: u64, bytes: &[u8], budget: &mut Budget) {
        self.buffered += bytes.len();
        budget.total += bytes.len();
        self.ooo.insert(at, bytes.to_vec());
    }

    /// Delivers buffered segments that now continue the stream.
    fn drain(&mut self, budget: &mut Budget, out: &mut dyn FnMut(Chunk<'_>)) {
        while let Some(entry) = self.ooo.first_entry() {
            let k = *entry.key();
            if k > self.next {
                break;
            }
            let v = entry.remove();
            self.buffered -= v.len();
            budget.total -= v.len();
            let skip = (self.next - k) as usize;
            if skip < v.len() {
                out(Chunk::Data(&v[skip..]));
                self.next = k + v.len() as u64;
            }
        }
    }

    /// Delivers every buffered segment starting before `limit`, skipping holes.
    fn flush_before(&mut self, limit: u64, budget: &mut Budget, out: &mut dyn FnMut(Chunk<'_>)) {
        while let Some(entry) = self.ooo.first_entry() {
            let k = *entry.key();
            if k >= limit {
                break;
            }
            let v = entry.remove();
            self.buffered -= v.len();
            budget.total -= v.len();
            let end = k as i64 + v.len() as i64;
            self.deliver_at(k as i64, &v, end, out);
        }
    }

    /// Delivers everything buffered, skipping holes (at close).
    pub fn flush(&mut self, budget: &mut Budget, out: &mut dyn FnMut(Chunk<'_>)) {
        self.flush_before(u64::MAX, budget, out);
    }

    /// Drops the buffer without delivering (the stream is no longer read).
    pub fn discard(&mut self, budget: &mut Budget) {
        budget.total -= self.buffered;
        self.buffered = 0;
        self.ooo = BTreeMap::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget {
            total: 0,
            max_total: 1 << 20,
            max_stream: 1 << 16,
            http: 0,
            http_capped: false,
        }
    }

    fn run(segs: &[(u32, &[u8])], b: &mut Budget) -> (Vec<u8>, u64, Stream) {
        let mut s = Stream::default();
        let mut got = Vec::new();
        let mut gaps = 0;
        let mut f = |c: Chunk<'_>| match c {
            Chunk::Data(d) => got.extend_from_slice(d),
            Chunk::Gap(n) => gaps += n,
        };
        s.syn(u32::MAX - 3);
        for (seq, d) in segs {
            s.segment(*seq, d, 0, b, &mut f);
        }
        s.flush(b, &mut f);
        (got, gaps, s)
    }

    #[test]
    fn in_order_across_wraparound() {
        let base = (u32::MAX - 3).wrapping_add(1);
        let mut b = budget();
        let (got, gaps, _) = run(&[(base, b"abcdef"), (base.wrapping_add(6), b"gh")], &mut b);
        assert_eq!(got, b"abcdefgh");
        assert_eq!(gaps, 0);
    }

    #[test]
    fn out_of_order_overlap_first_wins_and_retransmission() {
        let base = (u32::MAX - 3).wrapping_add(1);
        let mut b = budget();
        let (got, gaps, _) = run(
            &[
                (base.wrapping_add(4), b"efgh"),
                (base.wrapping_add(6), b"XXij"),
                (base, b"abcd"),
                (base, b"ZZZZ"),
                (base.wrapping_add(2), b"YYYYYYYYk"),
            ],
            &mut b,
        );
        assert_eq!(got, b"abcdefghijk");
        assert_eq!(gaps, 0);
        assert_eq!(b.total, 0);
    }

    #[test]
    fn gap_skipped_at_flush() {
        let base = (u32::MAX - 3).wrapping_add(1);
        let mut b = budget();
        let (got, gaps, s) = run(&[(base, b"ab"), (base.wrapping_add(5), b"fg")], &mut b);
        assert_eq!(got, b"abfg");
        assert_eq!(gaps, 3);
        assert_eq!(s.missed, 3);
    }

    #[test]
    fn stream_bound_skips_gap() {
        let mut b = Budget {
            total: 0,
            max_total: 1 << 20,
            max_stream: 8,
            http: 0,
            http_capped: false,
        };
        let mut s = Stream::default();
        s.syn(99);
        let mut got = Vec::new();
        let mut gaps = 0;
        let mut f = |c: Chunk<'_>| match c {
            Chunk::Data(d) => got.extend_from_slice(d),
            Chunk::Gap(n) => gaps += n,
        };
        s.segment(110, b"0123456", 0, &mut b, &mut f);
        assert_eq!(s.buffered(), 7);
        s.segment(117, b"789", 0, &mut b, &mut f);
        assert_eq!(got, b"0123456789");
        assert_eq!(gaps, 10);
        assert_eq!(b.total, 0);
    }

    #[test]
    fn global_bound_flushes_the_stream_that_would_exceed_it() {
        let mut b = Budget {
            total: 0,
            max_total: 6,
            max_stream: 100,
            http: 0,
            http_capped: false,
        };
        let (mut s1, mut s2) = (Stream::default(), Stream::default());
        s1.syn(0);
        s2.syn(0);
        let mut got = Vec::new();
        let mut f = |c: Chunk<'_>| {
            if let Chunk::Data(d) = c {
                got.extend_from_slice(d)
            }
        };
        s1.segment(5, b"xxxx", 0, &mut b, &mut f);
        assert_eq!(b.total, 4);
        s2.segment(5, b"yyyy", 0, &mut b, &mut f);
        assert_eq!(b.total, 4, "s2 skipped its gap instead of buffering");
        assert_eq!(s2.missed, 4);
        assert_eq!(got, b"yyyy");
        s1.discard(&mut b);
        assert_eq!(b.total, 0);
    }
}
