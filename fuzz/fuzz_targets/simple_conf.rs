//! redis.conf and postgresql.conf parsing: never panics, lines stay in range.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ferret_collect::servers::simple_conf;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let r = simple_conf::parse_redis_conf(data);
    assert!(r.items.iter().all(|l| l.line >= 1 && l.line <= lines));
    let p = simple_conf::parse_postgres_conf(data);
    assert!(p.items.iter().all(|l| l.line >= 1 && l.line <= lines));
    for s in &p.items {
        let _ = simple_conf::split_pg_list(&s.item.value);
    }
});
