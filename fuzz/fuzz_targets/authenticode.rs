//! Offline Authenticode verification (PE headers, certificate table, PKCS#7,
//! X.509 chain) on arbitrary bytes, against the shipped Microsoft anchors.
#![no_main]
use ferret_collect::authenticode::{verify, TrustedRoots};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static ROOTS: OnceLock<TrustedRoots> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let roots = ROOTS.get_or_init(|| {
        TrustedRoots::from_pem(include_str!("../../rules/known-good/microsoft-roots.pem"))
            .expect("shipped roots parse")
    });
    let _ = verify(data, roots);
});
