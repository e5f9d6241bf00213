//! Archive and dispatch path: any bytes read as `.zip`, `.gz` or plain logs
//! never panic and never exceed the member cap; every item names the input
//! or one of its members.
#![no_main]
use ferret_logs::{dispatch, Item, ReadOptions};
use libfuzzer_sys::fuzz_target;
use std::ops::ControlFlow;

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions {
        max_line: 1024,
        max_member: 1 << 20,
        ..ReadOptions::default()
    };
    let name = match data.first().map(|b| b % 4) {
        Some(0) => "fuzz.zip",
        Some(1) => "fuzz.json.gz",
        Some(2) => "fuzz.evtx",
        _ => "fuzz.log",
    };
    let mut items = 0u64;
    let stats = dispatch::read_bytes(name, data, &opts, &mut |item| {
        items += 1;
        let path = match &item {
            Item::Event(e) => &e.source.path,
            Item::Error(e) => &e.path,
        };
        assert!(
            path == name || path.starts_with(&format!("{name}!")),
            "{path:?}"
        );
        ControlFlow::Continue(())
    });
    assert_eq!(stats.events + stats.errors, items);
});
