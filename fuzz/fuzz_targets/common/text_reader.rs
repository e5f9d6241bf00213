//! What every text-log reader must guarantee, shared by the `logs_*` fuzz targets.

use ferret_core::LogFormat;
use ferret_logs::{Item, ReadOptions, ReadStats, Sink};
use std::ops::ControlFlow;

/// A text reader's signature.
pub type Reader<'d> = fn(&str, &'d [u8], &ReadOptions, &mut Sink<'_>) -> ReadStats;

/// Reads `data` with `read` and checks what any reader must guarantee: counts
/// match the items, every event and error names a line within the input,
/// events carry the right format, and the byte count is the input's size.
pub fn check<'d>(data: &'d [u8], format: LogFormat, read: Reader<'d>) {
    // Lines are split on `\n`; UTF-16 input has at most as many lines as bytes.
    let max_line_no = data.len() as u64 + 1;
    let opts = ReadOptions {
        max_line: 256,
        ..ReadOptions::default()
    };
    let (mut events, mut errors) = (0u64, 0u64);
    let stats = read("fuzz", data, &opts, &mut |item| {
        match item {
            Item::Event(e) => {
                events += 1;
                assert_eq!(e.format, format);
                assert_eq!(e.source.path, "fuzz");
                assert_eq!(e.source.record_id, None);
                let line = e.source.line.expect("text events have a line");
                assert!(line >= 1 && line <= max_line_no, "line {line}");
            }
            Item::Error(e) => {
                errors += 1;
                if let Some(line) = e.line {
                    assert!(line >= 1 && line <= max_line_no, "line {line}");
                }
            }
        }
        ControlFlow::Continue(())
    });
    assert_eq!((stats.events, stats.errors), (events, errors));
    assert_eq!(stats.bytes, data.len() as u64);
    // Stopping at the first item hands on exactly one.
    let mut seen = 0;
    let stats = read("fuzz", data, &opts, &mut |_| {
        seen += 1;
        ControlFlow::Break(())
    });
    assert!(seen <= 1 && stats.events + stats.errors == seen);
}
