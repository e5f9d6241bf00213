//! Triage-collection path mapping and /proc/self/mountinfo parsing.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = ferret_collect::mounts::parse_mountinfo(&text);
    let _ = ferret_collect::layout::original_path(std::path::Path::new(text.as_ref()));
});
