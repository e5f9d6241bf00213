//! RPM header blob parsing (rpmdb.sqlite): never panics or over-allocates.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = ferret_collect::servers::dpkg::parse_rpm_header(data) {
        assert!(p.files.len() <= data.len());
    }
    let _ = ferret_collect::servers::dpkg::parse_md5sums(data);
    let _ = ferret_collect::servers::dpkg::parse_dpkg_list(data);
});
