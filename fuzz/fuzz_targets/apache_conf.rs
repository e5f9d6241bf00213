//! Apache configuration parsing on arbitrary bytes: never panics, sections
//! stay balanced and bounded.
#![no_main]
use ferret_collect::servers::apache::{parse_apache_conf, LineKind, MAX_SECTION_DEPTH};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parse_apache_conf(data);
    let mut depth = 0usize;
    for l in &p.lines {
        match l.kind {
            LineKind::Open => depth += 1,
            LineKind::Close => depth = depth.checked_sub(1).expect("unbalanced close"),
            LineKind::Directive => {}
        }
        assert!(depth <= MAX_SECTION_DEPTH);
    }
    for l in &p.lines {
        let _ = ferret_collect::servers::apache::extensions_from_regex(&l.name);
        l.args.iter().for_each(|a| {
            let _ = ferret_collect::servers::apache::extensions_from_regex(a);
        });
    }
});
