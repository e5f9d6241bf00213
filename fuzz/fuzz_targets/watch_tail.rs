//! The log tailer: bytes pushed in arbitrary chunks give the same events and
//! errors, with the same line numbers, as reading the whole input at once;
//! the saved offset is the end of the last complete line handed on.
//!
//! Input: the first byte picks the format (combined, W3C, JSON lines); the
//! next 8 bytes are chunk sizes (cycled); the rest is the log. Auditd is not
//! compared: its events wait for an `EOE` record, so where a chunk ends
//! decides which records group (see `ferret_logs::tail`).
#![no_main]
use ferret_core::LogFormat;
use ferret_logs::tail::Tailer;
use ferret_logs::{Collected, ReadOptions, ReadStats};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let (format, read): (
        LogFormat,
        fn(&str, &[u8], &ReadOptions, &mut ferret_logs::Sink<'_>) -> ReadStats,
    ) = match data[0] % 3 {
        0 => (LogFormat::Combined, |d, r, o, s| {
            ferret_logs::combined::read(d, r, o, s)
        }),
        1 => (LogFormat::W3c, |d, r, o, s| {
            ferret_logs::w3c::read(d, r, o, s)
        }),
        _ => (LogFormat::Jsonl, |d, r, o, s| {
            ferret_logs::jsonl::read(d, r, o, s)
        }),
    };
    let sizes: Vec<usize> = data[1..9].iter().map(|&b| usize::from(b) + 1).collect();
    let log = &data[9..];
    let opts = ReadOptions::default();
    let whole = Collected::from_read(|s| read("log", log, &opts, s));
    let mut tailer = Tailer::new(format, "log", opts.clone()).expect("tailable");
    let mut rest = log;
    let mut i = 0;
    let chunked = Collected::from_read(|s| {
        let mut stats = ReadStats::default();
        while !rest.is_empty() {
            let n = sizes[i % sizes.len()].min(rest.len());
            i += 1;
            stats.add(tailer.push(&rest[..n], s));
            rest = &rest[n..];
        }
        let complete = log.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        assert_eq!(tailer.state().offset, complete as u64);
        assert_eq!(tailer.position(), log.len() as u64);
        stats.add(tailer.finish(s));
        stats
    });
    assert_eq!(chunked.events.len(), whole.events.len());
    for (a, b) in chunked.events.iter().zip(&whole.events) {
        assert_eq!(a.source, b.source);
        assert_eq!(a.time, b.time);
        assert_eq!(a.fields, b.fields);
    }
    assert_eq!(chunked.errors, whole.errors);
    assert_eq!(tailer.state().offset, log.len() as u64);
});
