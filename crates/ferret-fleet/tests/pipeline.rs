//! The pipeline end to end against real servers: NATS JetStream and
//! PostgreSQL on loopback (FERRET_TEST_NATS_URL, FERRET_TEST_PG_URL). Each
//! test prints "skipped: ..." and passes when a server is unreachable.

mod common;

use common::*;
use ferret_core::Finding;
use ferret_fleet::{fleet_report, Publisher, ReportQuery};
use std::time::Duration;

#[test]
fn round_trip_then_republish_stores_each_finding_once() {
    let Some(s) = servers() else { return };
    let (names, db, dir) = s.case();
    let spool = dir.path().join("spool.jsonl");
    let fs = findings(&["web.01", "web02", "db 03"], 1000, "2026-03-01T10:00:00Z");

    let mut p = Publisher::open(names.sink(&s.nats, &spool)).unwrap();
    assert!(p.is_connected());
    for f in &fs {
        p.publish(f).unwrap();
    }
    let sum = p.finish().unwrap();
    assert_eq!((sum.acked, sum.spooled, sum.lost), (1000, 0, 0), "{sum:?}");
    assert_eq!(spool_lines(&spool), 0);

    let cfg = names.ingest(&s.nats, &db);
    let st = ingest(&cfg);
    assert_eq!(
        (st.received, st.inserted, st.duplicates, st.rejected),
        (1000, 1000, 0, 0),
        "{st:?}"
    );
    assert_eq!(db.keys(), keys_of(&fs));
    // The publish time travels in a header; the host's subject is its token.
    assert_eq!(
        db.count("SELECT count(*) FROM findings WHERE published_at IS NULL"),
        0
    );

    // An identical republish is deduplicated by the server (same Nats-Msg-Id).
    assert_eq!(names.publish_all(&s.nats, &spool, &fs).acked, 1000);
    let st = ingest(&cfg);
    assert_eq!(st.received, 0, "{st:?}");

    // A changed payload with the same time is a new message but no new row;
    // a later time replaces the row.
    let mut p = Publisher::open(names.sink(&s.nats, &spool)).unwrap();
    for (i, f) in fs.iter().enumerate() {
        let mut g = f.clone();
        g.title = format!("seen again {i}");
        if i < 10 {
            g.time = "2026-03-02T10:00:00Z".into();
        }
        p.publish(&g).unwrap();
    }
    p.finish().unwrap();
    let st = ingest(&cfg);
    assert_eq!(
        (st.received, st.inserted, st.updated, st.duplicates),
        (1000, 0, 10, 990),
        "{st:?}"
    );
    assert_eq!(db.keys(), keys_of(&fs));
    assert_eq!(
        db.count("SELECT count(*) FROM findings WHERE doc->>'title' LIKE 'seen again %'"),
        10
    );
}

#[test]
fn unreachable_server_spools_then_the_next_publisher_flushes() {
    let Some(s) = servers() else { return };
    let (names, db, dir) = s.case();
    let spool = dir.path().join("state/spool.jsonl");
    let fs = findings(&["a", "b"], 500, "2026-03-01T10:00:00Z");

    let closed = format!("nats://127.0.0.1:{}", free_port());
    let mut p = Publisher::open(names.sink(&closed, &spool)).unwrap();
    assert!(!p.is_connected());
    for f in &fs {
        p.publish(f).unwrap();
    }
    let sum = p.finish().unwrap();
    assert_eq!((sum.acked, sum.spooled), (0, 500), "{sum:?}");
    let note = sum.note.unwrap();
    assert!(
        note.contains("spooled to") && note.contains(&closed),
        "{note}"
    );
    assert_eq!(spool_lines(&spool), 500);

    // Damage: a line that is not a finding, and a torn last line (a crash).
    let mut data = std::fs::read(&spool).unwrap();
    data.extend_from_slice(b"garbage\n{\"id\":\"torn");
    std::fs::write(&spool, data).unwrap();

    let p = Publisher::open(names.sink(&s.nats, &spool)).unwrap();
    let sum = p.finish().unwrap();
    assert_eq!((sum.flushed, sum.spooled), (500, 0), "{sum:?}");
    assert!(!spool.exists(), "a flushed spool is removed");
    let note = sum.note.unwrap_or_default();
    assert!(
        note.contains("2 spool lines are not findings (lines 501, 502)"),
        "{note}"
    );
    assert_eq!(spool_lines(&spool.with_file_name("spool.jsonl.bad")), 2);

    let st = ingest(&names.ingest(&s.nats, &db));
    assert_eq!((st.inserted, st.duplicates), (500, 0), "{st:?}");
    assert_eq!(db.keys(), keys_of(&fs));
}

/// After `server.restart()`: publishes `fs[from..]` one at a time until the
/// publisher has reconnected (its probe flushing the spool), then the rest;
/// checks that every finding was acknowledged or spooled, that a second
/// publisher empties the spool, and that PostgreSQL ends with exactly `fs`.
/// Returns the first publisher's summary.
fn reconnect_and_settle(
    mut p: Publisher,
    server: &PrivateNats,
    names: &Names,
    spool: &std::path::Path,
    db: &TestDb,
    fs: &[Finding],
    from: usize,
) -> ferret_fleet::PublishSummary {
    let mut i = from;
    while !p.is_connected() && i < fs.len() - 100 {
        p.publish(&fs[i]).unwrap();
        i += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        p.is_connected(),
        "the publisher reconnected after the restart"
    );
    for f in &fs[i..] {
        p.publish(f).unwrap();
    }
    let sum = p.finish().unwrap();
    assert_eq!(sum.acked + sum.spooled, fs.len() as u64, "{sum:?}");
    assert_eq!(sum.lost, 0, "{sum:?}");
    // A final flush sends whatever is still spooled.
    let rest = Publisher::open(names.sink(&server.url(), spool))
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(rest.spooled, 0, "{rest:?}");
    assert_eq!(spool_lines(spool), 0);
    let mut cfg = names.ingest(&server.url(), db);
    cfg.batch = 1000;
    let st = ingest(&cfg);
    assert_eq!(st.inserted, fs.len() as u64, "{st:?}");
    assert_eq!(db.keys(), keys_of(fs));
    sum
}

#[test]
fn server_killed_mid_publish_loses_nothing_and_duplicates_nothing() {
    let Some(s) = servers() else { return };
    let (db, dir) = (TestDb::new(&s.pg), tempfile::tempdir().unwrap());
    let Some(mut server) = PrivateNats::start(&dir.path().join("js")) else {
        return;
    };
    let names = Names::new(&server.url());
    let spool = dir.path().join("spool.jsonl");
    let fs = findings(&["h1", "h2", "h3", "h4"], 20_000, "2026-03-01T10:00:00Z");

    let mut p = Publisher::open(names.sink(&server.url(), &spool)).unwrap();
    assert!(p.is_connected());
    for f in &fs[..6_000] {
        p.publish(f).unwrap();
    }
    let t0 = std::time::Instant::now();
    server.kill();
    for f in &fs[6_000..12_000] {
        p.publish(f).unwrap();
    }
    assert!(!p.is_connected(), "publishing noticed the server is gone");
    println!("spooling 6000 took {:?}", t0.elapsed());
    server.restart();
    // The reconnect's probe flushes the spool; then the rest goes straight through.
    let sum = reconnect_and_settle(p, &server, &names, &spool, &db, &fs, 12_000);
    println!("after the kill and restart ({:?}): {sum:?}", t0.elapsed());
    assert!(sum.spooled > 0 && sum.flushed > 0, "{sum:?}");
}

/// The worst case for the window of unacknowledged publishes: the server
/// hangs (SIGSTOP) with a full window sent to it, then is killed. Those
/// requests are never answered; the publisher gives up on all of them within
/// one ack timeout (not one per request: 256 x 2 s), spools them, and
/// reconnects to the restarted server.
#[test]
fn server_hung_then_killed_with_a_full_window_loses_nothing() {
    let Some(s) = servers() else { return };
    let (db, dir) = (TestDb::new(&s.pg), tempfile::tempdir().unwrap());
    let Some(mut server) = PrivateNats::start(&dir.path().join("js")) else {
        return;
    };
    let names = Names::new(&server.url());
    let spool = dir.path().join("spool.jsonl");
    let fs = findings(&["g1", "g2"], 3000, "2026-03-01T10:00:00Z");

    let mut p = Publisher::open(names.sink(&server.url(), &spool)).unwrap();
    for f in &fs[..1000] {
        p.publish(f).unwrap();
    }
    p.flush().unwrap();
    assert_eq!(p.summary().acked, 1000);
    server.freeze();
    for f in &fs[1000..1500] {
        p.publish(f).unwrap();
    }
    assert!(!p.is_connected(), "publishing noticed the server hangs");
    server.kill();
    for f in &fs[1500..2000] {
        p.publish(f).unwrap();
    }
    server.restart();
    let sum = reconnect_and_settle(p, &server, &names, &spool, &db, &fs, 2000);
    // The whole window sent to the hung server was spooled, then sent.
    assert!(sum.spooled >= 256 && sum.flushed > 0, "{sum:?}");
}

#[test]
fn ingest_stopped_and_restarted_ends_with_exactly_the_set() {
    let Some(s) = servers() else { return };
    let (names, db, dir) = s.case();
    let fs = findings(&["x1", "x2", "x3"], 3000, "2026-03-01T10:00:00Z");
    assert_eq!(
        names
            .publish_all(&s.nats, &dir.path().join("spool"), &fs)
            .acked,
        3000
    );

    let mut cfg = names.ingest(&s.nats, &db);
    cfg.batch = 200;
    cfg.max_batches = Some(3);
    let first = ingest(&cfg);
    assert_eq!((first.batches, first.inserted), (3, 600), "{first:?}");
    assert_eq!(db.count("SELECT count(*) FROM findings"), 600);

    // Stopped from another thread's handle, as a signal would.
    cfg.max_batches = None;
    let stop = cfg.stop.clone();
    let second = ferret_fleet::ingest(&cfg, &mut |st| {
        if st.batches >= 2 {
            stop.stop();
        }
    })
    .unwrap();
    assert_eq!(second.batches, 2, "{second:?}");

    cfg.stop = Default::default();
    let third = ingest(&cfg);
    assert_eq!(first.inserted + second.inserted + third.inserted, 3000);
    assert_eq!(first.duplicates + second.duplicates + third.duplicates, 0);
    assert_eq!(db.keys(), keys_of(&fs));

    // Acknowledgements lost after COMMIT: everything is delivered again and
    // recognised as already stored.
    names.forget_acks();
    let again = ingest(&cfg);
    assert_eq!(
        (again.received, again.inserted, again.duplicates),
        (3000, 0, 3000),
        "{again:?}"
    );
    assert_eq!(db.keys(), keys_of(&fs));
}

#[test]
fn a_consumer_dying_mid_batch_loses_nothing_and_idle_waits_for_it() {
    let Some(s) = servers() else { return };
    let (names, db, dir) = s.case();
    let fs = findings(&["k1", "k2"], 1000, "2026-03-01T10:00:00Z");
    assert_eq!(
        names
            .publish_all(&s.nats, &dir.path().join("spool"), &fs)
            .acked,
        1000
    );
    names.die_holding(300, Duration::from_secs(3));
    let mut cfg = names.ingest(&s.nats, &db);
    cfg.exit_when_idle = Some(Duration::from_millis(500));
    let st = ingest(&cfg);
    assert_eq!((st.inserted, st.duplicates), (1000, 0), "{st:?}");
    assert_eq!(db.keys(), keys_of(&fs));
}

#[test]
fn two_ingesters_on_one_durable_share_the_work() {
    let Some(s) = servers() else { return };
    let (names, db, dir) = s.case();
    let fs = findings(&["p1", "p2", "p3", "p4"], 4000, "2026-03-01T10:00:00Z");
    assert_eq!(
        names
            .publish_all(&s.nats, &dir.path().join("spool"), &fs)
            .acked,
        4000
    );
    let mut cfg = names.ingest(&s.nats, &db);
    cfg.batch = 100;
    // Both start together: migrations are serialized by the advisory lock.
    let stats: Vec<_> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..2).map(|_| sc.spawn(|| ingest(&cfg))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        stats.iter().map(|s| s.inserted).sum::<u64>(),
        4000,
        "{stats:?}"
    );
    assert_eq!(db.keys(), keys_of(&fs));
    assert_eq!(db.count("SELECT count(*) FROM ferret_fleet_migrations"), 1);
}

#[test]
fn garbage_is_rejected_and_kept_apart() {
    let Some(s) = servers() else { return };
    let (names, db, dir) = s.case();
    let fs = findings(&["good"], 5, "2026-03-01T10:00:00Z");
    names.publish_all(&s.nats, &dir.path().join("spool"), &fs);
    names.raw_publish(
        &format!("{}.good", names.prefix),
        b"\x00\xffnot json at all",
    );
    // A finding on another host's subject is refused, not stored under the wrong host.
    let spoof = serde_json::to_vec(&ferret_fleet::testdata::finding(
        "victim",
        "s1",
        "2026-03-01T10:00:00Z",
        None,
    ))
    .unwrap();
    names.raw_publish(&format!("{}.good", names.prefix), &spoof);

    // A finding PostgreSQL refuses (an id too long for the primary key's
    // index) must not block the batch it arrives in.
    let mut p = Publisher::open(names.sink(&s.nats, &dir.path().join("spool"))).unwrap();
    let mut long = (0..200).fold(String::new(), |acc, i| {
        acc + &ferret_core::stable_id(&[&i.to_string()])
    });
    long.truncate(3000);
    p.publish(&ferret_fleet::testdata::finding(
        "good",
        &long,
        "2026-03-01T10:00:00Z",
        None,
    ))
    .unwrap();
    for f in findings(&["good2"], 3, "2026-03-01T10:00:00Z") {
        p.publish(&f).unwrap();
    }
    p.finish().unwrap();

    let st = ingest(&names.ingest(&s.nats, &db));
    assert_eq!((st.inserted, st.rejected), (8, 3), "{st:?}");
    let mut want = keys_of(&fs);
    want.extend(keys_of(&findings(&["good2"], 3, "2026-03-01T10:00:00Z")));
    assert_eq!(db.keys(), want);
    let reasons = db.rows("SELECT reason FROM rejects ORDER BY stream_seq");
    let reason = |i: usize| reasons[i][0].clone().unwrap();
    assert!(reason(0).contains("not a finding"), "{reasons:?}");
    assert!(reason(1).contains("belongs on"), "{reasons:?}");
    assert!(reason(2).contains("PostgreSQL refused it"), "{reasons:?}");
    assert_eq!(
        db.count("SELECT count(*) FROM rejects WHERE length(payload) > 0"),
        3
    );
}

#[test]
fn one_hash_on_three_hosts_is_one_campaign() {
    let Some(s) = servers() else { return };
    let (names, db, dir) = s.case();
    let shared = "c".repeat(64);
    let lone = "d".repeat(64);
    let t = "2026-03-01T10:00:00Z";
    let mut fs = vec![];
    for h in ["web3", "web1", "evil\u{1b}[2J"] {
        fs.push(ferret_fleet::testdata::finding(
            h,
            &format!("shell-{}", fs.len()),
            t,
            Some(&shared),
        ));
    }
    fs.push(ferret_fleet::testdata::finding(
        "web1",
        "lone-1",
        t,
        Some(&lone),
    ));
    fs.push(ferret_fleet::testdata::finding(
        "web1",
        "lone-2",
        t,
        Some(&lone),
    ));
    names.publish_all(&s.nats, &dir.path().join("spool"), &fs);
    ingest(&names.ingest(&s.nats, &db));

    let r = fleet_report(&db.url, &ReportQuery::default()).unwrap();
    assert_eq!(r.campaigns.len(), 1, "{r:?}");
    let c = &r.campaigns[0];
    assert_eq!(c.sha256, shared);
    assert_eq!(c.hosts, ["evil\\x1b[2J", "web1", "web3"]);
    assert_eq!((c.findings, c.paths_total), (3, 3));
    assert_eq!(r.totals.hosts, 3);
    assert_eq!(
        r.hosts
            .iter()
            .find(|h| h.host == "web1")
            .map(|h| h.findings),
        Some(3)
    );
    let mut out = Vec::new();
    r.write_table(&mut out, false).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("on 3 hosts"), "{text}");

    let none = fleet_report(
        &db.url,
        &ReportQuery {
            min_hosts: 4,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(none.campaigns.is_empty());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["campaigns"][0]["hosts"].as_array().map(|a| a.len()),
        Some(3)
    );
}

#[test]
fn incidents_are_stored_once_the_stream_is_idle() {
    let Some(s) = servers() else { return };
    let (names, db, dir) = s.case();
    let fs = findings(&["i1", "i2"], 20, "2026-03-01T10:00:00Z");
    names.publish_all(&s.nats, &dir.path().join("spool"), &fs);
    let st = ingest(&names.ingest(&s.nats, &db));
    assert_eq!(st.hosts_correlated, 2, "{st:?}");
    assert!(db.count("SELECT count(*) FROM incidents") > 0);
    assert_eq!(
        db.count("SELECT count(*) FROM findings WHERE incident IS NULL"),
        0
    );
    assert_eq!(db.count("SELECT count(*) FROM dirty_hosts"), 0);
    assert_eq!(
        db.count("SELECT count(*) FROM findings f WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.host = f.host AND i.id = f.incident)"),
        0
    );
}

#[test]
fn bad_configuration_is_a_clear_error() {
    let e = ferret_fleet::SinkConfig::new("https://x")
        .unwrap_err()
        .to_string();
    assert!(e.contains("unsupported scheme"), "{e}");
    let Some(s) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let names = Names::new(&s.nats);
    let mut cfg = names.sink(&s.nats, &dir.path().join("spool"));
    cfg.subject_prefix = "a.*".into();
    assert!(Publisher::open(cfg).is_err());
    let e = fleet_report(
        "postgres://postgres@127.0.0.1:1/none",
        &ReportQuery::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("PostgreSQL") && e.contains("connecting"), "{e}");
    let db = TestDb::new(&s.pg);
    let e = fleet_report(&db.url, &ReportQuery::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("ferret fleet ingest"), "{e}");
}
