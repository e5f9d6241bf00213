//! Offline SYSTEM hive reading (notatin behind Ferret's guards). A panic inside
//! notatin is caught by `read_hive` by design (it becomes a problem), so this
//! target silences panics and looks for what escapes: stack overflow, runaway
//! memory, hangs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::Once;

static QUIET: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys aborts on any panic; read_hive's catch_unwind is the contract.
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let _ = ferret_collect::servers::registry::read_service_dlls(Path::new("SYSTEM"), data, &[]);
    if data.starts_with(b"regf") {
        // The same bytes as hive and as its transaction log: dirty-hive paths.
        let _ = ferret_collect::servers::registry::read_hive(
            Path::new("SYSTEM"),
            data,
            &[data.to_vec()],
        );
    }
});
