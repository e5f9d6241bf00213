//! nginx configuration tokenizing and parsing on arbitrary bytes: never
//! panics, blocks stay within the nesting bound.
#![no_main]
use ferret_collect::servers::nginx::{parse_nginx_conf, NginxDirective, MAX_BLOCK_DEPTH};
use libfuzzer_sys::fuzz_target;

fn depth(ds: &[NginxDirective]) -> usize {
    ds.iter()
        .filter_map(|d| d.block.as_deref())
        .map(|b| 1 + depth(b))
        .max()
        .unwrap_or(0)
}

fuzz_target!(|data: &[u8]| {
    let p = parse_nginx_conf(data);
    assert!(depth(&p.directives) <= MAX_BLOCK_DEPTH);
});
