//! The spool reader on arbitrary bytes: never panics, keeps every good line
//! and reports every other non-blank line exactly once, by its number.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let c = ferret_fleet::spool::parse_spool(data);
    let lines = data.split(|&b| b == b'\n').count();
    let mut numbers: Vec<usize> = c
        .entries
        .iter()
        .map(|e| e.line)
        .chain(c.bad.iter().map(|b| b.line))
        .collect();
    assert!(numbers.iter().all(|&n| n >= 1 && n <= lines));
    let n = numbers.len();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), n, "a line reported twice");
    assert!(c.bad.iter().filter(|b| b.torn).count() <= 1);
    // What the reader keeps is what a flush republishes: it must read back the same.
    for e in &c.entries {
        let again = ferret_fleet::spool::parse_spool(&e.raw);
        assert_eq!(again.entries.len(), 1);
        assert_eq!(again.entries[0].finding, e.finding);
    }
});
