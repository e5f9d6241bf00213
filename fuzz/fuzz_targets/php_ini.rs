//! PHP ini parsing on arbitrary bytes: never panics, lines are in order.
#![no_main]
use ferret_collect::servers::php::parse_php_ini;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parse_php_ini(data);
    assert!(p.entries.windows(2).all(|w| w[0].line < w[1].line));
});
