//! 100,000 findings from 8 hosts through the pipeline, with timings.
//! Ignored by default (about a minute in a debug build):
//! `cargo test -p ferret-fleet --test scale -- --ignored --nocapture`.

mod common;

use common::*;
use ferret_fleet::Publisher;
use std::time::Instant;

#[test]
#[ignore]
fn hundred_thousand_findings_arrive_exactly_once() {
    let Some(s) = servers() else { return };
    let (names, db, dir) = (
        Names::new(&s.nats),
        TestDb::new(&s.pg),
        tempfile::tempdir().unwrap(),
    );
    let hosts = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"];
    let fs = findings(&hosts, 100_000, "2026-03-01T10:00:00Z");
    let t = Instant::now();
    let mut p = Publisher::open(names.sink(&s.nats, &dir.path().join("spool"))).unwrap();
    for f in &fs {
        p.publish(f).unwrap();
    }
    let sum = p.finish().unwrap();
    println!("published {} in {:?}", sum.acked, t.elapsed());
    assert_eq!(sum.acked, 100_000, "{sum:?}");
    let t = Instant::now();
    let mut cfg = names.ingest(&s.nats, &db);
    cfg.batch = 1000;
    let st = ingest(&cfg);
    println!(
        "ingested {st:?} in {:?} (including {:?} idle)",
        t.elapsed(),
        cfg.exit_when_idle
    );
    assert_eq!(st.inserted, 100_000);
    assert_eq!(db.keys(), keys_of(&fs));
}
