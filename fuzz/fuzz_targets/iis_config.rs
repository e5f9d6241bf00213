//! IIS applicationHost.config / web.config and Exchange agents.config from
//! arbitrary bytes (through the bounded XML tree) never panic or hang.
#![no_main]
use ferret_collect::servers::{exchange, iis};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    for kind in [iis::ConfigKind::ApplicationHost, iis::ConfigKind::WebConfig] {
        if let Ok(p) = iis::parse(Path::new("applicationHost.config"), data, kind) {
            assert!(p.components.len() <= data.len());
        }
    }
    let _ = exchange::parse(Path::new("agents.config"), data);
});
