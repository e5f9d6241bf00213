//! ESXi image database: VIB descriptors, imgdb.tgz archives and install logs
//! from arbitrary bytes never panic, hang or grow without bound.
#![no_main]
use ferret_collect::servers::{esxi, Discovered};
use ferret_core::Declaration;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = esxi::parse_vib(data, Declaration::at_key("descriptor.xml", "fuzz")) {
        assert!(!c.name.is_empty());
    }
    let mut out = Discovered::default();
    esxi::parse_imgdb(Path::new("imgdb.tgz"), data, &mut out);
    esxi::scan_log(Path::new("shell.log"), data, &mut out);
    assert!(out.tells.len() <= data.split(|&b| b == b'\n').count());
});
