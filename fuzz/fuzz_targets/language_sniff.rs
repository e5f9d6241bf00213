//! Content sniffing and shebang parsing on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ferret_detect::language::sniff(data);
    let _ = ferret_detect::language::identify(std::path::Path::new("x.inc"), data);
});
