//! Escaping must always give one printable line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = ferret_core::escape_bytes(data);
    assert!(!s.chars().any(|c| c.is_control()), "{s:?}");
});
