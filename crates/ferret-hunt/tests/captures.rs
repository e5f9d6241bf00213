//! The network analyzer on real loopback captures (crates/ferret-net/tests/data,
//! made by scripts/netcap; README.md there says what each holds): every
//! emulated web-shell family is found at high or above on its script, for its
//! one client; the beacon capture adds a flow finding for the server's call
//! out; ordinary browsing of the same site gives nothing at medium or above.

use ferret_core::Severity;
use ferret_hunt::network::{FindingKind, NetworkAnalyzer, NetworkConfig, NetworkFinding};
use ferret_logs::{Collected, ReadOptions};
use std::path::PathBuf;
use std::sync::Arc;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../ferret-net/tests/data")
        .join(name)
}

/// Findings of one capture, and the number of read errors.
fn analyse(name: &str) -> (Vec<NetworkFinding>, usize) {
    let got = Collected::from_path(&data(name), &ReadOptions::default());
    let mut a = NetworkAnalyzer::new(Arc::new(NetworkConfig::shipped()));
    for e in &got.events {
        a.observe(e);
    }
    assert!(a.transactions() > 0, "{name}: no HTTP transactions read");
    (a.finish(), got.errors.len())
}

/// The content findings at `min` or above, as (uri, clients).
fn scripts(found: &[NetworkFinding], min: Severity) -> Vec<(String, Vec<String>)> {
    let mut v: Vec<_> = found
        .iter()
        .filter(|f| f.kind == FindingKind::Content && f.severity >= min)
        .map(|f| (f.uri.clone().unwrap_or_default(), f.clients.clone()))
        .collect();
    v.sort();
    v
}

fn expect_shells(name: &str, uris: &[&str]) {
    let (found, errors) = analyse(name);
    assert_eq!(errors, 0, "{name}: read errors");
    let got = scripts(&found, Severity::High);
    let want: Vec<(String, Vec<String>)> = {
        let mut w: Vec<_> = uris
            .iter()
            .map(|u| (u.to_string(), vec!["127.0.0.66".to_string()]))
            .collect();
        w.sort();
        w
    };
    assert_eq!(got, want, "{name}: {found:#?}");
    // Nothing at medium or above names a visitor.
    for f in found.iter().filter(|f| f.severity >= Severity::Medium) {
        assert!(
            f.clients.iter().all(|c| c == "127.0.0.66"),
            "{name}: a visitor flagged: {f:#?}"
        );
    }
}

#[test]
fn china_chopper() {
    expect_shells("webshell-chopper.pcap", &["/uploads/shell.php"]);
}

#[test]
fn antsword() {
    expect_shells("webshell-antsword.pcap", &["/wp-content/uploads/cache.php"]);
}

#[test]
fn behinder_over_pcapng() {
    expect_shells(
        "webshell-behinder.pcapng",
        &[
            "/aspnet_client/system_web/a.aspx",
            "/images/x.jsp",
            "/uploads/b.php",
        ],
    );
}

#[test]
fn godzilla_nanosecond_pcap_and_resegmented_copy_agree() {
    let uris = ["/static/js/lib.jsp", "/uploads/god.php"];
    expect_shells("webshell-godzilla.pcap", &uris);
    expect_shells("webshell-godzilla-mss1448.pcap", &uris);
    let (a, _) = analyse("webshell-godzilla.pcap");
    let (b, _) = analyse("webshell-godzilla-mss1448.pcap");
    let scores = |v: &[NetworkFinding]| v.iter().map(|f| f.score).collect::<Vec<_>>();
    assert_eq!(scores(&a), scores(&b));
}

#[test]
fn command_shells() {
    expect_shells(
        "webshell-cmd.pcap",
        &["/aspnet_client/system_web/cmd.aspx", "/uploads/cmd.php"],
    );
}

#[test]
fn reverse_shell_call_out_is_a_flow_finding() {
    expect_shells("outbound-beacon.pcap", &["/uploads/cmd.php"]);
    let (found, _) = analyse("outbound-beacon.pcap");
    let flows: Vec<_> = found
        .iter()
        .filter(|f| f.kind == FindingKind::Flow && f.severity >= Severity::Medium)
        .collect();
    assert_eq!(flows.len(), 1, "{found:#?}");
    let flow = flows[0].flow.as_ref().expect("flow named");
    assert_eq!(flow.resp, "127.0.0.3:4444");
    assert!(flow.orig.starts_with("127.0.0.1:"), "{flow:?}");
    let names: Vec<_> = flows[0].signals.iter().map(|s| s.name).collect();
    assert!(names.contains(&"after_content"), "{names:?}");
}

#[test]
fn ordinary_browsing_stays_below_medium() {
    let (found, errors) = analyse("benign-browsing.pcap");
    assert_eq!(errors, 0);
    let loud: Vec<_> = found
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
}

#[test]
fn damaged_captures_keep_what_they_hold() {
    // Cut mid-packet by `head -c`: the Chopper session before the cut is
    // still found, and the cut is one read error.
    let (found, errors) = analyse("truncated.pcap");
    assert_eq!(errors, 1);
    assert_eq!(
        scripts(&found, Severity::High),
        vec![(
            "/uploads/shell.php".to_string(),
            vec!["127.0.0.66".to_string()]
        )]
    );
    // Snap length 200: headers survive, bodies do not; no error, no false alarm.
    let (found, errors) = analyse("snaplen-200.pcap");
    assert_eq!(errors, 0);
    assert!(found
        .iter()
        .all(|f| f.clients.iter().all(|c| c == "127.0.0.66")));
}
