//! JSON lines reader: any bytes never panic; line numbers stay within the
//! input's line count and every line yields at most one item.
#![no_main]
use ferret_logs::{jsonl, Item, ReadOptions};
use libfuzzer_sys::fuzz_target;
use std::ops::ControlFlow;

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count() as u64;
    let opts = ReadOptions {
        max_line: 256,
        ..ReadOptions::default()
    };
    let mut items = 0u64;
    let stats = jsonl::read("fuzz.jsonl", data, &opts, &mut |item| {
        items += 1;
        let line = match &item {
            Item::Event(e) => e.source.line,
            Item::Error(e) => e.line,
        };
        assert!(
            line.is_some_and(|l| l >= 1 && l <= lines),
            "{line:?} of {lines}"
        );
        ControlFlow::Continue(())
    });
    assert!(items <= lines);
    assert_eq!(stats.events + stats.errors, items);
    assert_eq!(stats.bytes, data.len() as u64);
});
