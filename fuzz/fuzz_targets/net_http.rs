#![no_main]
// Placeholder: the owner of this target replaces it.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = data;
});
