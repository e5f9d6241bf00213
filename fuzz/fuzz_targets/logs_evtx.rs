//! EVTX reader: any bytes (with a valid file header prepended half the time,
//! so the chunk and record parsers are reached) never panic, and every item
//! names the input; counts in the stats match the items seen.
#![no_main]
use ferret_logs::{evtx, Item};
use libfuzzer_sys::fuzz_target;
use std::ops::ControlFlow;

fuzz_target!(|data: &[u8]| {
    let mut bytes = Vec::with_capacity(data.len() + 4096);
    if data.first().is_some_and(|b| b & 1 == 1) {
        // A minimal file header: magic, then the input from offset 8.
        bytes.extend_from_slice(b"ElfFile\0");
    }
    bytes.extend_from_slice(data);
    let (mut events, mut errors) = (0u64, 0u64);
    let stats = evtx::read_bytes("fuzz.evtx", bytes, &mut |item| {
        match item {
            Item::Event(e) => {
                assert_eq!(e.source.path, "fuzz.evtx");
                assert!(e.source.record_id.is_some());
                events += 1;
            }
            Item::Error(e) => {
                assert_eq!(e.path, "fuzz.evtx");
                errors += 1;
            }
        }
        ControlFlow::Continue(())
    });
    assert_eq!((stats.events, stats.errors), (events, errors));
});
