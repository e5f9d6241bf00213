//! The allowlist TOML parser and glob compiler on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut a = ferret_detect::allowlist::Allowlist::default();
        if a.add_toml("fuzz", text).is_ok() {
            let _ = a.check(&["/var/www/x.php"], Some(&"0".repeat(64)));
        }
    }
});
