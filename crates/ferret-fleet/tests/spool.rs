//! The spool without servers: concurrent writers, spool mode on a closed port.

mod common;

use common::*;
use ferret_fleet::spool::{parse_spool, Spool, DEFAULT_CAP};
use ferret_fleet::{Publisher, SinkConfig};
use std::time::Duration;

#[test]
fn concurrent_writers_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spool.jsonl");
    std::thread::scope(|sc| {
        for w in 0..4 {
            let path = path.clone();
            sc.spawn(move || {
                // Each writer opens its own handle, as separate processes would.
                let s = Spool::new(&path, DEFAULT_CAP);
                for b in 0..50 {
                    let lines: Vec<Vec<u8>> =
                        findings(&[&format!("w{w}")], 20, "2026-03-01T10:00:00Z")
                            .iter()
                            .map(|f| {
                                let mut f = f.clone();
                                f.id = format!("{}-{b}", f.id);
                                serde_json::to_vec(&f).unwrap()
                            })
                            .collect();
                    s.append(&lines).unwrap();
                }
            });
        }
    });
    let c = parse_spool(&std::fs::read(&path).unwrap());
    assert!(c.bad.is_empty(), "{:?}", c.bad.first());
    assert_eq!(c.entries.len(), 4 * 50 * 20);
    let distinct: std::collections::BTreeSet<_> = c
        .entries
        .iter()
        .map(|e| (e.finding.host.clone(), e.finding.id.clone()))
        .collect();
    assert_eq!(distinct.len(), 4000);
}

#[test]
fn a_closed_port_means_spool_mode_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("s/spool.jsonl");
    let mut cfg = SinkConfig::new(&format!("nats://127.0.0.1:{}", free_port())).unwrap();
    cfg.spool = spool.clone();
    cfg.connect_timeout = Duration::from_secs(2);
    let fs = findings(&["h"], 2500, "2026-03-01T10:00:00Z");
    {
        let mut p = Publisher::open(cfg.clone()).unwrap();
        assert!(!p.is_connected());
        for f in &fs[..2000] {
            p.publish(f).unwrap();
        }
        assert_eq!(p.finish().unwrap().spooled, 2000);
    }
    {
        // Dropped without finish: what it held is still spooled.
        let mut p = Publisher::open(cfg.clone()).unwrap();
        for f in &fs[2000..] {
            p.publish(f).unwrap();
        }
    }
    let c = parse_spool(&std::fs::read(&spool).unwrap());
    assert_eq!(c.entries.len(), 2500);
    let got: Vec<_> = c.entries.iter().map(|e| e.finding.clone()).collect();
    assert_eq!(got, fs, "the spool keeps every finding intact and in order");
    // A full spool refuses clearly and counts what it could not keep.
    cfg.spool_cap = std::fs::metadata(&spool).unwrap().len() + 100;
    let mut p = Publisher::open(cfg).unwrap();
    let mut err = None;
    for f in &fs[..1100] {
        if let Err(e) = p.publish(f) {
            err = Some(e.to_string());
            break;
        }
    }
    let err = err.expect("the cap is enforced");
    assert!(err.contains("is full"), "{err}");
    let sum = p.finish().unwrap();
    assert!(sum.lost > 0 && sum.note.is_some(), "{sum:?}");
}
