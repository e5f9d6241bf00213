//! Appliance profiles and reference lists on arbitrary bytes: parsing and
//! validation must refuse or accept, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ferret_appliance::Reference::parse(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ferret_appliance::Profile::from_toml(text);
    }
});
