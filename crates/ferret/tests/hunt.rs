//! `ferret hunt` end to end: real logs from ../shared/datasets, hostile input,
//! time filters, folding, escaping, rule listing.

use crate::util::*;
use serde_json::Value;
use std::path::PathBuf;

fn evtx_dir() -> Option<PathBuf> {
    let p = repo().join("../shared/datasets/evtx");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/datasets/evtx not present");
        None
    }
}

/// Runs `ferret hunt ARGS --format jsonl`; returns (findings, exit code, stderr).
fn hunt(args: &[&std::ffi::OsStr]) -> (Vec<Value>, i32, String) {
    let mut all = vec![std::ffi::OsStr::new("hunt")];
    all.extend_from_slice(args);
    run_jsonl(&all)
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn finds_each_t1505_sub_technique_in_real_logs() {
    let Some(dir) = evtx_dir() else { return };
    let cases = [
        ("EVTX-ATTACK-SAMPLES/Lateral Movement/LM_typical_IIS_webshell_sysmon_1_10_traces.evtx", "T1505.003"),
        ("EVTX-ATTACK-SAMPLES/Defense Evasion/DE_xp_cmdshell_enabled_MSSQL_EID_15457.evtx", "T1505.001"),
        ("EVTX-ATTACK-SAMPLES/Defense Evasion/sysmon_13_rdp_settings_tampering.evtx", "T1505.005"),
        ("EVTX-to-MITRE-Attack/TA0003-Persistence/T1505-Server Software Component/ID6-Failed to install an Exchange transport agent.evtx", "T1505.002"),
        ("other-logs/OTRF-Security-Datasets/proxylogon_ssrf_rce_poc.zip", "T1505.003"),
    ];
    for (file, technique) in cases {
        let p = dir.join(file);
        let (f, code, err) = hunt(&[p.as_os_str()]);
        assert_eq!(code, 1, "{file}: {err}");
        assert!(
            f.iter().any(|x| x["technique"] == technique
                && x["subject"]["kind"] == "event"
                && x["evidence"][0]["source"] == "sigma"),
            "{file}: no {technique} finding: {f:?}"
        );
        let e = &f[0]["subject"];
        assert!(
            e["path"]
                .as_str()
                .unwrap()
                .ends_with(file.rsplit('/').next().unwrap())
                || e["path"].as_str().unwrap().contains(".zip!")
        );
        assert!(e["record_id"].is_u64() || e["line"].is_u64(), "{e}");
        assert!(e["event_time"].is_string(), "{e}");
    }
}

#[test]
fn web_logs_name_the_web_shell_uri() {
    let Some(dir) = evtx_dir() else { return };
    let p = dir.join("other-logs/EVTX-ATTACK-SAMPLES/Command and Control/web_attack_and_isp_webshell_localhost_access_log.txt");
    let (f, code, err) = hunt(&[p.as_os_str()]);
    assert_eq!(code, 1, "{err}");
    let web: Vec<&Value> = f.iter().filter(|x| x["rule"] == "ferret.weblog").collect();
    assert_eq!(web.len(), 1, "{web:?}");
    assert!(web[0]["title"].as_str().unwrap().contains("/error/cmd.jsp"));
    assert!(web[0]["subject"]["line"].is_u64());
}

#[test]
fn quiet_logs_stay_quiet() {
    let Some(dir) = evtx_dir() else { return };
    // Real attack logs of other techniques, and real benign web logs.
    for rel in [
        "EVTX-ATTACK-SAMPLES/Credential Access",
        "EVTX-ATTACK-SAMPLES/Discovery",
        "../artifacts/weblogs/combined",
        "../artifacts/weblogs/iis-w3c",
    ] {
        let p = dir.join(rel);
        if !p.exists() {
            continue;
        }
        let (f, code, err) = hunt(&[p.as_os_str(), os("-q")]);
        let ours: Vec<&Value> = f.iter().filter(|x| x["technique"] != "other").collect();
        // Credential Access holds one real T1505.003 context file (w3wp -> powershell).
        if rel.ends_with("Credential Access") {
            assert!(
                ours.iter().all(|x| x["subject"]["path"]
                    .as_str()
                    .unwrap()
                    .contains("iis_pwd_and_config_discovery_appcmd")),
                "{ours:?}"
            );
        } else {
            assert!(ours.is_empty(), "{rel}: {ours:?}");
            assert_ne!(code, 1, "{rel}: {err}");
        }
    }
}

#[test]
fn time_filters_and_folding() {
    let Some(dir) = evtx_dir() else { return };
    let tunna =
        dir.join("other-logs/EVTX-ATTACK-SAMPLES/Command and Control/Tunna_rdp_tunnel_IIS.log");
    let (all, _, _) = hunt(&[tunna.as_os_str(), os("--no-weblog")]);
    // 4298 matching lines: ten reported, the rest folded into one that counts them.
    assert_eq!(all.len(), 11, "{}", all.len());
    assert!(all[10]["title"]
        .as_str()
        .unwrap()
        .contains("more in this log"));
    let (each, _, _) = hunt(&[tunna.as_os_str(), os("--no-weblog"), os("--each-event")]);
    assert!(each.len() > 4000, "{}", each.len());
    let (none, code, _) = hunt(&[tunna.as_os_str(), os("--from"), os("2030-01-01")]);
    assert!(none.is_empty());
    assert_eq!(code, 0);
    let (before, _, _) = hunt(&[tunna.as_os_str(), os("--to"), os("2000-01-01T00:00:00Z")]);
    assert!(before.is_empty());
    let bad = ferret()
        .args(["hunt", "--from", "yesterday"])
        .arg(&tunna)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("RFC 3339"));
}

#[test]
fn hostile_input_is_reported_per_file_and_the_run_goes_on() {
    let Some(dir) = evtx_dir() else { return };
    let t = tempfile::tempdir().unwrap();
    let real = std::fs::read(dir.join(
        "EVTX-ATTACK-SAMPLES/Lateral Movement/LM_typical_IIS_webshell_sysmon_1_10_traces.evtx",
    ))
    .unwrap();
    write(t.path(), "good.evtx", &real);
    write(t.path(), "truncated.evtx", &real[..real.len() * 2 / 3]);
    let mut flipped = real.clone();
    for i in (4096..flipped.len()).step_by(97) {
        flipped[i] ^= 0x5a;
    }
    write(t.path(), "flipped.evtx", &flipped);
    let mut zeroed = real.clone();
    for b in zeroed.iter_mut().skip(4096).take(8192) {
        *b = 0;
    }
    write(t.path(), "zeroed.evtx", &zeroed);
    write(t.path(), "junk.evtx", b"ElfFile\0\xff\xfe garbage");
    write(
        t.path(),
        "binary.log",
        &[0u8, 159, 146, 150, 0xff, 0xfe, b'\n'].repeat(100),
    );
    let mut long = b"#Fields: date time cs-method cs-uri-stem c-ip sc-status\n".to_vec();
    long.extend(std::iter::repeat_n(b'A', 3 << 20));
    long.extend(b"\n2024-01-01 00:00:00 GET /x.aspx 10.0.0.1 200\n");
    write(t.path(), "u_ex240101.log", &long);
    // Invalid UTF-8 and terminal escapes inside a field.
    write(t.path(), "w3c/u_ex240102.log",
        b"#Fields: date time cs-method cs-uri-stem cs-uri-query c-ip sc-status\n2024-01-02 00:00:00 GET /a.aspx cmd=whoami\x1b[2J\xff 10.0.0.2 200\n");
    #[cfg(unix)]
    {
        let fifo = t.path().join("pipe.log");
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        std::os::unix::fs::symlink(t.path(), t.path().join("loop")).unwrap();
    }
    let out = ferret()
        .args(["hunt", "--format", "jsonl", "--max-line", "1024"])
        .arg(t.path())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'));
    let findings: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The intact file's web-shell event is found, and the damaged copies still
    // give what they hold.
    let good = findings
        .iter()
        .filter(|f| {
            f["subject"]["path"]
                .as_str()
                .unwrap()
                .ends_with("good.evtx")
        })
        .count();
    assert!(good >= 1, "{stdout}");
    assert!(stderr.contains("junk.evtx"), "{stderr}");
    assert!(stderr.contains("truncated.evtx"), "{stderr}");
    assert!(stderr.contains("longer than"), "{stderr}");
    assert!(
        findings.iter().any(|f| f["subject"]["path"]
            .as_str()
            .unwrap()
            .ends_with("u_ex240102.log")),
        "{stdout}"
    );
}

#[test]
fn rules_list_reports_each_sigma_file() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "ok.yml", b"title: ok\nid: 11111111-2222-3333-4444-555555555555\nlogsource: {product: windows, category: process_creation}\ndetection: {sel: {Image|endswith: '\\x.exe'}, condition: sel}\nlevel: high\n");
    write(t.path(), "bad.yml", b"title: bad\nlogsource: {product: windows}\ndetection: {sel: {Image|nosuchmodifier: x}, condition: sel}\n");
    write(
        t.path(),
        "nomap.yml",
        b"title: nomap\nlogsource: {product: plan9}\ndetection: {sel: {a: b}, condition: sel}\n",
    );
    let out = ferret()
        .args([
            "rules",
            "list",
            "--sigma-only",
            "--format",
            "jsonl",
            "--sigma",
        ])
        .arg(t.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by = |name: &str| {
        lines
            .iter()
            .find(|l| l["path"].as_str().unwrap().ends_with(name))
            .unwrap()
            .clone()
    };
    assert_eq!(by("ok.yml")["status"], "loaded");
    assert_eq!(by("ok.yml")["id"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(by("bad.yml")["status"], "refused");
    assert!(by("bad.yml")["reason"]
        .as_str()
        .unwrap()
        .contains("nosuchmodifier"));
    assert_eq!(by("nomap.yml")["status"], "loaded");
    assert_eq!(by("nomap.yml")["mapped"], false);
    // Ferret's own rules are listed too, all loaded.
    let shipped: Vec<&Value> = lines
        .iter()
        .filter(|l| l["path"].as_str().unwrap().contains("t1505"))
        .collect();
    assert!(shipped.len() >= 30 && shipped.iter().all(|l| l["status"] == "loaded"));
}

#[test]
fn user_rules_without_t1505_are_reported_as_other() {
    let Some(dir) = evtx_dir() else { return };
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "r.yml", b"title: any cmd\nid: 99999999-2222-3333-4444-555555555555\ntags: [attack.execution, attack.t1059.003]\nlogsource: {product: windows, category: process_creation}\ndetection: {sel: {Image|endswith: '\\cmd.exe'}, condition: sel}\nlevel: medium\n");
    let p = dir.join(
        "EVTX-ATTACK-SAMPLES/Lateral Movement/LM_typical_IIS_webshell_sysmon_1_10_traces.evtx",
    );
    let (f, code, _) = hunt(&[
        p.as_os_str(),
        os("--no-builtin-rules"),
        os("--sigma"),
        t.path().as_os_str(),
    ]);
    assert_eq!(code, 1);
    assert!(!f.is_empty());
    assert!(f
        .iter()
        .all(|x| x["technique"] == "other" && x["rule"] == "99999999-2222-3333-4444-555555555555"));
    assert!(f[0]["evidence"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("attack.t1059.003"));
    // A refused rule is said, the others still run, and the exit status is 2.
    write(t.path(), "bad.yml", b"title: bad\nlogsource: {product: windows}\ndetection: {sel: {Image|nosuchmodifier: x}, condition: sel}\n");
    let (f2, code, err) = hunt(&[
        p.as_os_str(),
        os("--no-builtin-rules"),
        os("--sigma"),
        t.path().as_os_str(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(f2.len(), f.len());
    assert!(
        err.contains("rule refused") && err.contains("bad.yml") && err.contains("nosuchmodifier"),
        "{err}"
    );
}

#[test]
fn captures_and_zeek_logs_give_network_findings() {
    let net = repo().join("crates/ferret-net/tests/data");
    let zeek = repo().join("crates/ferret-logs/tests/data/zeek");
    let t = tempfile::tempdir().unwrap();
    for name in [
        "webshell-chopper.pcap",
        "benign-browsing.pcap",
        "truncated.pcap",
    ] {
        write(t.path(), name, &std::fs::read(net.join(name)).unwrap());
    }
    write(
        t.path(),
        "junk.pcap",
        &[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0xff, 0xff, 0xff],
    );
    write(
        t.path(),
        "zeek/http.log",
        &std::fs::read(zeek.join("http.log")).unwrap(),
    );
    let (found, code, err) = hunt(&[t.path().as_os_str()]);
    // The truncated capture and the junk are per-file errors; the run goes on.
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("junk.pcap") && err.contains("truncated.pcap"),
        "{err}"
    );
    let network: Vec<&Value> = found
        .iter()
        .filter(|f| f["rule"] == "ferret.network.content")
        .collect();
    // Both captures hold the same session (truncated.pcap is a cut copy): one
    // finding per server and script, whichever file tells most.
    assert_eq!(network.len(), 1, "{found:?}");
    {
        let f = network[0];
        let path = f["subject"]["path"].as_str().unwrap();
        assert!(
            path.ends_with("webshell-chopper.pcap") || path.ends_with("truncated.pcap"),
            "{f}"
        );
        assert_eq!(f["technique"], "T1505.003");
        assert!(
            f["severity"] == "critical" || f["severity"] == "high",
            "{f}"
        );
        assert!(f["subject"]["record_id"].is_u64(), "{f}");
        let log = f["subject"]["log"].as_str().unwrap();
        assert!(log.contains("uri /uploads/shell.php"), "{log}");
        let evidence = f["evidence"].to_string();
        assert!(evidence.contains("127.0.0.66"), "{evidence}");
    }
    assert!(
        !found.iter().any(|f| f["subject"]["path"]
            .as_str()
            .unwrap()
            .ends_with("benign-browsing.pcap")
            && f["severity"] != "low"
            && f["severity"] != "info"),
        "{found:?}"
    );
    // Zeek http.log events run through the same Sigma rules and analyzer.
    let z = found
        .iter()
        .find(|f| f["subject"]["path"].as_str().unwrap().ends_with("http.log"))
        .unwrap_or_else(|| panic!("no finding from the Zeek log: {found:?}"));
    assert_eq!(z["evidence"][0]["source"], "sigma", "{z}");
    assert_eq!(z["subject"]["line"], 10, "{z}");
    assert!(err.contains("HTTP transactions"), "{err}");
    // --no-network leaves the Sigma rules.
    let (found, _, _) = hunt(&[
        t.path().join("webshell-chopper.pcap").as_os_str(),
        os("--no-network"),
    ]);
    assert!(found.iter().all(|f| f["rule"] != "ferret.network.content"));
}
