//! Whole-run tests: each shipped profile over trees built in temporary folders.

use super::*;
use ferret_core::{Severity, Subject, Technique};
use std::os::unix::fs::PermissionsExt;

const HOST: &str = "img";
const TIME: &str = "2026-01-01T00:00:00Z";

fn put(root: &Path, rel: &str, body: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

fn run_one(root: &Path, choice: ProfileChoice, reference: Option<&Reference>) -> Vec<ApplianceRun> {
    run(root, &choice, reference, HOST, TIME).unwrap()
}

fn rules(r: &ApplianceRun) -> Vec<(String, String)> {
    r.findings
        .iter()
        .map(|f| {
            let Subject::File(s) = &f.subject else {
                panic!("not a file subject")
            };
            (
                f.rule.clone(),
                s.original_path.as_ref().unwrap().to_string(),
            )
        })
        .collect()
}

fn netscaler_tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    put(
        r,
        "flash/nsconfig/ns.conf",
        "set ns config -IPAddress 10.0.0.1\n",
    );
    put(r, "netscaler/ns_gui/vpn/index.html", "<html></html>");
    put(r, "netscaler/ns_gui/vpn/js/gateway.js", "var a;");
    put(
        r,
        "var/netscaler/logon/themes/Default/css/theme.css",
        "body{}",
    );
    put(r, "var/vpn/theme/index.html", "<html></html>");
    put(r, "var/log/ns.log", "ok\n");
    t
}

fn ivanti_tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    put(r, "home/perl/DSUpgrade.pm", "package DSUpgrade;\n1;\n");
    put(
        r,
        "home/webserver/htdocs/dana-na/auth/compcheckresult.cgi",
        "#!/usr/bin/perl\n",
    );
    put(
        r,
        "home/webserver/htdocs/dana-na/auth/lastauthserverused.js",
        "function f(){}\n",
    );
    put(
        r,
        "home/webserver/htdocs/dana-na/jam/querymanifest.cgi",
        "#!/usr/bin/perl\n",
    );
    put(
        r,
        "home/webserver/htdocs/dana-na/meeting/meeting_testjs.cgi",
        "#!/usr/bin/perl\n",
    );
    t
}

fn panos_tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    put(
        r,
        "var/appweb/sslvpndocs/global-protect/portal/css/bootstrap.min.css",
        "a{}",
    );
    put(r, "var/appweb/htdocs/unauth/css/login.css", "a{}");
    put(
        r,
        "opt/pancfg/mgmt/saved-configs/running-config.xml",
        "<config/>",
    );
    put(
        r,
        "usr/lib/python3.6/site-packages/distutils-precedence.pth",
        "import os; var = 'x'\n",
    );
    put(r, "usr/lib/python3.6/site-packages/paths.pth", "/opt/lib\n");
    t
}

fn only(runs: Vec<ApplianceRun>, name: &str) -> ApplianceRun {
    assert_eq!(
        runs.len(),
        1,
        "{:?}",
        runs.iter().map(|r| &r.profile).collect::<Vec<_>>()
    );
    let r = runs.into_iter().next().unwrap();
    assert_eq!(r.profile, name);
    r
}

#[test]
fn profile_names_lists_every_embedded_profile() {
    let names: Vec<String> = profile_names().into_iter().map(|(n, _)| n).collect();
    for n in ["netscaler", "ivanti", "panos"] {
        assert!(names.contains(&n.to_string()), "{names:?}");
    }
}

#[test]
fn clean_trees_are_recognised_and_silent() {
    for (tree, name, served) in [
        (netscaler_tree(), "netscaler", 3),
        (ivanti_tree(), "ivanti", 1),
        (panos_tree(), "panos", 1),
    ] {
        let run = only(run_one(tree.path(), ProfileChoice::Auto, None), name);
        assert!(run.recognised);
        assert_eq!(run.served.len(), served, "{name}");
        assert!(run.findings.is_empty(), "{name}: {:?}", rules(&run));
        assert!(run.errors.is_empty(), "{name}: {:?}", run.errors);
    }
}

#[test]
fn netscaler_web_shells_and_setuid_binary_are_found() {
    let t = netscaler_tree();
    let r = t.path();
    put(
        r,
        "netscaler/ns_gui/vpn/info.PHP",
        "<?php system($_GET['c']); ?>",
    );
    put(r, "var/netscaler/logon/themes/x.php", "<?php ?>");
    put(r, "var/vpn/theme/y.php", "<?php ?>");
    put(r, "var/tmp/sh", "ELF");
    std::fs::set_permissions(
        r.join("var/tmp/sh"),
        std::fs::Permissions::from_mode(0o4755),
    )
    .unwrap();
    let run = only(run_one(r, ProfileChoice::Auto, None), "netscaler");
    let got = rules(&run);
    for want in [
        (
            "appliance.netscaler.unshipped_script",
            "/netscaler/ns_gui/vpn/info.PHP",
        ),
        (
            "appliance.netscaler.unshipped_script",
            "/var/netscaler/logon/themes/x.php",
        ),
        (
            "appliance.netscaler.unshipped_script",
            "/var/vpn/theme/y.php",
        ),
        ("appliance.netscaler.setuid", "/var/tmp/sh"),
    ] {
        assert!(
            got.contains(&(want.0.into(), want.1.into())),
            "{want:?} not in {got:?}"
        );
    }
    assert_eq!(got.len(), 4, "{got:?}");
    let f = &run.findings[0];
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.score, 75);
    assert!(
        f.evidence[0].detail.contains("CISA-AA23-201A")
            || f.evidence[0].detail.contains("MANDIANT-CVE-2023-3519")
    );
    let shell = run
        .findings
        .iter()
        .find(|f| f.title.contains("info.PHP"))
        .unwrap();
    assert_eq!(shell.technique, Technique::WebShell);
    let Subject::File(s) = &shell.subject else {
        unreachable!()
    };
    assert_eq!(s.size, 28);
    assert_eq!(s.sha256.len(), 64);
    assert!(s.mtime.is_some());
    assert_eq!(
        shell.id,
        ferret_core::stable_id(&[
            "appliance.netscaler.unshipped_script",
            "netscaler/ns_gui/vpn/info.PHP"
        ])
    );
    assert_eq!(
        shell.incident,
        ferret_core::stable_id(&["file", s.path.as_str()])
    );
}

#[test]
fn ivanti_unknown_cgi_found_and_reference_finds_modified_stock_file() {
    let t = ivanti_tree();
    let r = t.path();
    put(
        r,
        "home/webserver/htdocs/dana-na/auth/x.cgi",
        "#!/usr/bin/perl\n",
    );
    let run = only(run_one(r, ProfileChoice::Auto, None), "ivanti");
    let got = rules(&run);
    assert_eq!(
        got,
        vec![(
            "appliance.ivanti.unshipped_script".into(),
            "/home/webserver/htdocs/dana-na/auth/x.cgi".into()
        )]
    );
    assert_eq!(run.findings[0].severity, Severity::Medium);
    assert_eq!(run.findings[0].score, 50);

    // A reference over the clean image: compcheckresult.cgi is later modified
    // (LIGHTWIRE), x.cgi is not listed, and the stock names no longer matter.
    let clean = ivanti_tree();
    let mut text = String::new();
    for rel in [
        "home/perl/DSUpgrade.pm",
        "home/webserver/htdocs/dana-na/auth/compcheckresult.cgi",
        "home/webserver/htdocs/dana-na/auth/lastauthserverused.js",
        "home/webserver/htdocs/dana-na/jam/querymanifest.cgi",
        "home/webserver/htdocs/dana-na/meeting/meeting_testjs.cgi",
    ] {
        let h = walk::sha256_file(&clean.path().join(rel), walk::HASH_CAP)
            .unwrap()
            .unwrap();
        text.push_str(&format!("{h}  ./{rel}\n"));
    }
    let reference = Reference::parse(text.as_bytes()).unwrap();
    put(
        r,
        "home/webserver/htdocs/dana-na/auth/compcheckresult.cgi",
        "#!/usr/bin/perl\neval($ENV{x});\n",
    );
    std::fs::remove_file(r.join("home/perl/DSUpgrade.pm")).unwrap();
    std::os::unix::fs::symlink("/tmp/x.pm", r.join("home/perl/DSUpgrade.pm")).unwrap();
    let run = only(run_one(r, ProfileChoice::Auto, Some(&reference)), "ivanti");
    let mut got = rules(&run);
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "appliance.ivanti.modified".into(),
                "/home/perl/DSUpgrade.pm".into()
            ),
            (
                "appliance.ivanti.modified".into(),
                "/home/webserver/htdocs/dana-na/auth/compcheckresult.cgi".into()
            ),
            (
                "appliance.ivanti.not_in_reference".into(),
                "/home/webserver/htdocs/dana-na/auth/x.cgi".into()
            ),
        ]
    );
    let modified = run
        .findings
        .iter()
        .find(|f| f.rule.ends_with(".modified") && f.title.contains(".cgi"))
        .unwrap();
    assert_eq!(modified.severity, Severity::High);
    assert_eq!(modified.technique, Technique::WebShell);
}

#[test]
fn panos_upstyle_pth_and_unauth_php_are_found() {
    let t = panos_tree();
    let r = t.path();
    put(
        r,
        "usr/lib/python3.6/site-packages/system.pth",
        "import base64;exec(base64.b64decode(b'cHJpbnQoMSk='))\n",
    );
    put(
        r,
        "usr/lib/python3.6/site-packages/sitecustomize.py",
        "print(1)\n",
    );
    put(r, "var/appweb/htdocs/unauth/w.php", "<?php ?>");
    let run = only(run_one(r, ProfileChoice::Auto, None), "panos");
    let got = rules(&run);
    for want in [
        (
            "appliance.panos.planted",
            "/usr/lib/python3.6/site-packages/system.pth",
        ),
        (
            "appliance.panos.interpreter_start",
            "/usr/lib/python3.6/site-packages/system.pth",
        ),
        (
            "appliance.panos.interpreter_start",
            "/usr/lib/python3.6/site-packages/sitecustomize.py",
        ),
        (
            "appliance.panos.unshipped_script",
            "/var/appweb/htdocs/unauth/w.php",
        ),
    ] {
        assert!(
            got.contains(&(want.0.into(), want.1.into())),
            "{want:?} not in {got:?}"
        );
    }
    assert_eq!(got.len(), 4, "{got:?}");
    // Strongest first: the critical ones lead.
    assert_eq!(run.findings[0].severity, Severity::Critical);
    assert_eq!(run.findings[0].score, 100);
    assert_eq!(run.findings[3].severity, Severity::High);
    let pth = run
        .findings
        .iter()
        .find(|f| f.rule.ends_with("interpreter_start") && f.title.contains("pth"))
        .unwrap();
    assert_eq!(pth.evidence[0].line, Some(1));
    assert!(pth.evidence[0].detail.contains("VOLEXITY-UPSTYLE"));
    assert!(pth.evidence[0]
        .excerpt
        .as_ref()
        .unwrap()
        .as_str()
        .starts_with("import base64"));
}

#[test]
fn named_forces_a_profile_auto_and_off_do_not() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    put(r, "var/www/html/index.php", "<?php ?>");
    put(r, "var/vpn/a.php", "<?php ?>");
    assert!(run_one(r, ProfileChoice::Auto, None).is_empty());
    assert!(run_one(r, ProfileChoice::Off, None).is_empty());
    let run = only(
        run_one(r, ProfileChoice::Named("netscaler".into()), None),
        "netscaler",
    );
    assert!(!run.recognised);
    assert_eq!(
        rules(&run),
        vec![(
            "appliance.netscaler.unshipped_script".into(),
            "/var/vpn/a.php".into()
        )]
    );
    let err = super::run(
        r,
        &ProfileChoice::Named("nope\x1b".into()),
        None,
        HOST,
        TIME,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("netscaler") && err.contains("panos") && !err.contains('\x1b'),
        "{err}"
    );
}

#[test]
fn loops_huge_and_unreadable_files_do_not_stop_the_run() {
    let t = netscaler_tree();
    let r = t.path();
    std::os::unix::fs::symlink("../vpn", r.join("var/vpn/theme/loop")).unwrap();
    std::os::unix::fs::symlink("self", r.join("var/vpn/self")).unwrap();
    let huge = std::fs::File::create(r.join("var/vpn/huge.php")).unwrap();
    huge.set_len(walk::HASH_CAP + 1).unwrap();
    put(r, "var/vpn/locked.php", "<?php ?>");
    std::fs::set_permissions(
        r.join("var/vpn/locked.php"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    put(r, "var/vpn/z.php", "<?php ?>");
    let run = only(run_one(r, ProfileChoice::Auto, None), "netscaler");
    let got = rules(&run);
    for p in ["/var/vpn/huge.php", "/var/vpn/locked.php", "/var/vpn/z.php"] {
        assert!(
            got.contains(&("appliance.netscaler.unshipped_script".into(), p.into())),
            "{p} not in {got:?}"
        );
    }
    let huge = run
        .findings
        .iter()
        .find(|f| f.title.contains("huge.php"))
        .unwrap();
    let Subject::File(s) = &huge.subject else {
        unreachable!()
    };
    assert!(s.sha256.is_empty());
    assert_eq!(s.size, walk::HASH_CAP + 1);
    assert!(huge.evidence[0].detail.contains("not hashed"));
    if unsafe { libc::geteuid() } != 0 {
        assert!(
            run.errors.iter().any(|e| e.contains("locked.php")),
            "{:?}",
            run.errors
        );
    }
}

const ENGINE_PROFILE: &str = r#"
name = "engine"
product = "Engine test"
markers = [["etc/engine"]]
[[advisory]]
id = "T-1"
title = "Test advisory"
url = "https://example.invalid/t-1"
[[config]]
path = "etc/nginx/**/*.conf"
kind = "nginx"
allow = ["content_by_lua_file /usr/share/stock/handler.lua"]
severity = "critical"
technique = "T1505"
advisory = "T-1"
why = "nginx runs Lua here"
[[config]]
path = "etc/httpd/*.conf"
kind = "apache"
allow = ["LoadModule php_module"]
severity = "high"
technique = "T1505"
why = "apache handlers"
[[symlinks]]
path = "data/lang/custom"
severity = "critical"
technique = "T1505"
advisory = "T-1"
why = "served language folder"
"#;

fn engine_run(r: &Path) -> ApplianceRun {
    let p = Profile::from_toml(ENGINE_PROFILE).unwrap();
    let runs = run_profiles(&[p], r, &ProfileChoice::Auto, None, HOST, TIME).unwrap();
    only(runs, "engine")
}

#[test]
fn config_lines_are_reported_with_line_numbers_unless_allowed() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    put(r, "etc/engine", "");
    put(
        r,
        "etc/nginx/conf.d/a.conf",
        "server {\n  location /s { content_by_lua_file /usr/share/stock/handler.lua; }\n  location /x { access_by_lua_block { os.execute(ngx.var.arg_c) } }\n}\n",
    );
    put(
        r,
        "etc/httpd/h.conf",
        "LoadModule php_module x.so\nAddHandler cgi-script .jpg\n# SetHandler x\n",
    );
    std::fs::create_dir_all(r.join("etc/httpd/dir.conf")).unwrap();
    let fifo = std::ffi::CString::new(
        r.join("etc/httpd/fifo.conf")
            .into_os_string()
            .into_encoded_bytes(),
    )
    .unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let run = engine_run(r);
    assert!(
        run.errors
            .iter()
            .any(|e| e.contains("fifo.conf") && e.contains("not a regular file")),
        "{:?}",
        run.errors
    );
    let lines: Vec<(String, Option<u64>)> = run
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.evidence[0].line))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("appliance.engine.config_code".into(), Some(3)),
            ("appliance.engine.config_code".into(), Some(2)),
        ]
    );
    assert_eq!(run.findings[0].severity, Severity::Critical);
    assert!(run.findings[0].evidence[0]
        .excerpt
        .as_ref()
        .unwrap()
        .as_str()
        .contains("access_by_lua_block"));
    assert!(run.findings[1].evidence[0].detail.contains("AddHandler"));
}

#[test]
fn symlinks_leaving_their_folder_are_found_even_dangling_or_looping() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    put(r, "etc/engine", "");
    put(r, "data/lang/custom/en.json", "{}");
    let d = r.join("data/lang/custom");
    std::os::unix::fs::symlink("en.json", d.join("inside")).unwrap();
    std::os::unix::fs::symlink("/", d.join("root")).unwrap();
    std::os::unix::fs::symlink("../../../nowhere/x", d.join("dangling")).unwrap();
    std::os::unix::fs::symlink("../custom", d.join("loop")).unwrap();
    std::os::unix::fs::symlink("../../../../../../../..", d.join("above")).unwrap();
    let run = engine_run(r);
    let mut got: Vec<String> = rules(&run).into_iter().map(|(_, p)| p).collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            "/data/lang/custom/above",
            "/data/lang/custom/dangling",
            "/data/lang/custom/loop",
            "/data/lang/custom/root",
        ]
    );
    assert!(run
        .findings
        .iter()
        .all(|f| f.rule == "appliance.engine.symlink_out"));
}

#[test]
fn attacker_names_are_escaped() {
    let t = netscaler_tree();
    let r = t.path();
    put(r, "var/vpn/a\x1b[2J.php", "<?php ?>");
    let run = only(run_one(r, ProfileChoice::Auto, None), "netscaler");
    assert_eq!(run.findings.len(), 1);
    let f = &run.findings[0];
    assert!(!f.title.contains('\x1b'), "{}", f.title);
    assert!(
        f.subject.path().as_str().contains("\\x1b"),
        "{}",
        f.subject.path()
    );
    assert!(!f.evidence[0].detail.contains('\x1b'));
}
