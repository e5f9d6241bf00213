//! Layout tests: trees built in temporary folders after each product's
//! documented layout (markers and stock-looking benign files written here, no
//! vendor file), checked clean, then with each component type the profile
//! covers planted, and with hostile entries that must not stop the run.

mod common;

use common::*;
use ferret_appliance::Profile;
use std::path::Path;

/// Builds the clean tree of a profile from its own entries: markers, a
/// static page in each served folder, a path-only `.pth` in each interpreter
/// folder, a Lua-free configuration at each config path, an inner link in each
/// symlink folder and a plain file in each set-uid folder.
fn build_clean(root: &Path, p: &Profile) {
    markers(root, p);
    for s in &p.served {
        let d = materialise(&s.entry.path).expect("served path");
        write(
            root,
            &format!("{d}/stock-page.html"),
            "<html><body>Welcome</body></html>\n",
        );
        write(
            root,
            &format!("{d}/stock-style.css"),
            "body { margin: 0 }\n",
        );
    }
    for s in &p.interpreter_start {
        let d = materialise(&s.entry.path).expect("interpreter path");
        write(root, &format!("{d}/stock-paths.pth"), "/opt/vendor/lib\n");
    }
    for c in &p.config {
        let f = materialise(&c.entry.path).expect("config path");
        write(root, &f, benign_config(c.kind));
    }
    for e in &p.symlinks {
        let d = materialise(&e.path).expect("symlink path");
        write(root, &format!("{d}/stock-page.html"), "<html></html>\n");
        link(root, &format!("{d}/stock-alias.html"), "stock-page.html");
    }
    for e in &p.setuid {
        let d = materialise(&e.path).expect("setuid path");
        write(root, &format!("{d}/session.tmp"), "state\n");
    }
}

fn benign_config(kind: ferret_appliance::profile::ConfigKind) -> &'static str {
    match kind {
        ferret_appliance::profile::ConfigKind::Nginx => {
            "server {\n    listen 443 ssl;\n    location / { root /var/www; }\n}\n"
        }
        ferret_appliance::profile::ConfigKind::Apache => {
            "Listen 443\nDocumentRoot /var/www\n<Directory /var/www>\n  Require all granted\n</Directory>\n"
        }
    }
}

/// Plants one item of each component type; returns `(check, relative path)`
/// pairs the run must report.
fn plant_all(root: &Path, p: &Profile) -> Vec<(&'static str, String)> {
    let mut want = Vec::new();
    for s in &p.served {
        let d = materialise(&s.entry.path).expect("served path");
        let ext = s.execute.first().expect("served executes something");
        let name = format!("zz-ferret-plant.{ext}");
        assert!(
            !s.shipped.is_match(&name),
            "{}: test name {name} is shipped",
            p.name
        );
        let rel = format!("{d}/{name}");
        write(root, &rel, "payload written by the test\n");
        want.push(("unshipped_script", rel));
    }
    for e in &p.planted {
        let rel = materialise(&e.path).expect("planted path");
        if !root.join(&rel).exists() {
            write(root, &rel, "payload written by the test\n");
        }
        want.push(("planted", rel));
    }
    for s in &p.interpreter_start {
        let d = materialise(&s.entry.path).expect("interpreter path");
        let rel = format!("{d}/zz_ferret_plant.pth");
        write(root, &rel, "import os; os.getcwd()\n");
        want.push(("interpreter_start", rel));
    }
    for c in &p.config {
        let rel = materialise(&c.entry.path).expect("config path");
        let text = match c.kind {
            ferret_appliance::profile::ConfigKind::Nginx => {
                "server {\n  listen 443;\n  location /zz { content_by_lua_block { ngx.say(1) } }\n}\n"
            }
            ferret_appliance::profile::ConfigKind::Apache => "AddHandler cgi-script .zz\n",
        };
        write(root, &rel, text);
        want.push(("config_code", rel));
    }
    for e in &p.symlinks {
        let d = materialise(&e.path).expect("symlink path");
        let rel = format!("{d}/zz-escape");
        link(root, &rel, "/etc/passwd");
        want.push(("symlink_out", rel));
    }
    for e in &p.setuid {
        let d = materialise(&e.path).expect("setuid path");
        let rel = format!("{d}/zz-suid");
        setuid_file(root, &rel);
        want.push(("setuid", rel));
    }
    want
}

/// Clean tree: recognised, no findings; planted tree: every plant reported
/// under `appliance.<profile>.<check>`.
fn profile_layout(name: &str) {
    let p = profile(name).unwrap_or_else(|| panic!("rules/appliances/{name}.toml missing"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    build_clean(root, &p);
    let runs = run_auto(root);
    let clean = findings_of(&runs, name);
    assert!(clean.is_empty(), "{name} clean tree: {:?}", list(clean));
    let want = plant_all(root, &p);
    assert!(!want.is_empty(), "{name} plants nothing");
    let runs = run_auto(root);
    let got = findings_of(&runs, name);
    for (check, rel) in &want {
        assert!(
            has(got, name, check, rel),
            "{name}: no {check} for {rel}: {:?}",
            list(got)
        );
    }
}

#[test]
fn netscaler_layout_clean_then_planted() {
    profile_layout("netscaler");
}

#[test]
fn ivanti_layout_clean_then_planted() {
    profile_layout("ivanti");
}

#[test]
fn panos_layout_clean_then_planted() {
    profile_layout("panos");
}

#[test]
fn fortios_layout_clean_then_planted() {
    profile_layout("fortios");
}

#[test]
fn iosxe_layout_clean_then_planted() {
    profile_layout("iosxe");
}

#[test]
fn sophos_layout_clean_then_planted() {
    profile_layout("sophos");
}

/// A FortiGate tree as the April 2025 case describes it: language files and
/// the web GUI folder; the link the advisory reports (user file system to
/// root file system in the language folder) is found, a PHP file too.
#[test]
fn fortios_language_folder_symlink_to_root() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    write(root, "data/lang/en/sslvpn.json", "{\"login\": \"Login\"}\n");
    write(
        root,
        "data/lang/fr/sslvpn.json",
        "{\"login\": \"Connexion\"}\n",
    );
    write(root, "migadmin/index.html", "<html></html>\n");
    write(root, "migadmin/js/app.js", "var a = 1;\n");
    let runs = run_auto(root);
    assert!(
        findings_of(&runs, "fortios").is_empty(),
        "{:?}",
        list(findings_of(&runs, "fortios"))
    );
    link(root, "data/lang/custom", "/");
    write(root, "migadmin/shell.php", "<?php /* test */ ?>\n");
    let runs = run_auto(root);
    let f = findings_of(&runs, "fortios");
    assert!(
        has(f, "fortios", "symlink_out", "data/lang/custom"),
        "{:?}",
        list(f)
    );
    assert!(
        has(f, "fortios", "unshipped_script", "migadmin/shell.php"),
        "{:?}",
        list(f)
    );
}

/// The IOS XE implant Talos describes: `cisco_service.conf` with Lua in the
/// web UI's nginx configuration folder; a stock Lua-free file stays quiet.
#[test]
fn iosxe_cisco_service_conf_implant() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    write(
        root,
        "packages.conf",
        "#! /usr/binos/bin/packages_conf.sh\nboot  rp 0 0 rp_boot x.pkg\n",
    );
    write(
        root,
        "usr/binos/conf/nginx-conf/https.conf",
        "server { listen 443 ssl; }\n",
    );
    let runs = run_auto(root);
    assert!(
        findings_of(&runs, "iosxe").is_empty(),
        "{:?}",
        list(findings_of(&runs, "iosxe"))
    );
    write(
        root,
        "usr/binos/conf/nginx-conf/cisco_service.conf",
        "location /webui/logoutconfirm.html {\n  content_by_lua_block { ngx.say(\"test\") }\n}\n",
    );
    let runs = run_auto(root);
    let f = findings_of(&runs, "iosxe");
    let rel = "usr/binos/conf/nginx-conf/cisco_service.conf";
    assert!(has(f, "iosxe", "planted", rel), "{:?}", list(f));
    assert!(has(f, "iosxe", "config_code", rel), "{:?}", list(f));
}

/// A JSP web shell in the Sophos web console's served folder.
#[test]
fn sophos_webconsole_jsp_shell() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    dir(root, "_conf");
    dir(root, "sdisk");
    write(
        root,
        "usr/share/webconsole/webpages/index.html",
        "<html></html>\n",
    );
    let runs = run_auto(root);
    assert!(
        findings_of(&runs, "sophos").is_empty(),
        "{:?}",
        list(findings_of(&runs, "sophos"))
    );
    write(
        root,
        "usr/share/webconsole/webpages/cmd.jsp",
        "<% /* test */ %>\n",
    );
    let runs = run_auto(root);
    let f = findings_of(&runs, "sophos");
    assert!(
        has(
            f,
            "sophos",
            "unshipped_script",
            "usr/share/webconsole/webpages/cmd.jsp"
        ),
        "{:?}",
        list(f)
    );
}

/// A tree without any product's markers: no profile applies.
#[test]
fn plain_tree_applies_no_profile() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "var/www/index.php", "<?php ?>\n");
    let runs = run_auto(tmp.path());
    assert!(
        runs.is_empty(),
        "{:?}",
        runs.iter().map(|r| &r.profile).collect::<Vec<_>>()
    );
}

/// Hostile entries in every served folder (a symlink loop, a 100 MB sparse
/// script, a FIFO named like a script, a mode-000 script) do not stop the
/// run, and a plant next to them is still found. Tests run as root, so the
/// mode-000 file is readable here; elsewhere it must become a per-item error.
#[test]
fn hostile_entries_do_not_stop_the_run() {
    use std::os::unix::fs::PermissionsExt;
    for name in PRODUCTS {
        let Some(p) = profile(name) else {
            panic!("rules/appliances/{name}.toml missing");
        };
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        build_clean(root, &p);
        let mut plants = Vec::new();
        for s in &p.served {
            let d = materialise(&s.entry.path).expect("served path");
            let ext = s.execute.first().expect("execute");
            link(root, &format!("{d}/loop/a"), "../loop");
            link(root, &format!("{d}/self"), "self");
            let big = root.join(format!("{d}/zz-big.{ext}"));
            let f = std::fs::File::create(&big).expect("create");
            f.set_len(100 * 1024 * 1024).expect("sparse");
            let fifo = root.join(format!("{d}/zz-pipe.{ext}"));
            let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("cstr");
            // SAFETY: mkfifo with a valid NUL-terminated path.
            let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
            assert_eq!(rc, 0, "mkfifo");
            let locked = format!("{d}/zz-locked.{ext}");
            write(root, &locked, "payload\n");
            std::fs::set_permissions(root.join(&locked), std::fs::Permissions::from_mode(0o000))
                .expect("chmod");
            let rel = format!("{d}/zz-after.{ext}");
            write(root, &rel, "payload\n");
            plants.push(rel);
        }
        let runs = run_auto(root);
        let got = findings_of(&runs, name);
        for rel in &plants {
            assert!(
                has(got, name, "unshipped_script", rel),
                "{name}: {rel}: {:?}",
                list(got)
            );
            let big = rel.replace("zz-after", "zz-big");
            assert!(
                has(got, name, "unshipped_script", &big),
                "{name}: {big}: {:?}",
                list(got)
            );
        }
    }
}

/// Every one of the six profiles is embedded in the binary, so `run` (what
/// `ferret scan` calls) applies it.
#[test]
fn all_six_profiles_are_embedded() {
    let names: Vec<String> = ferret_appliance::profile_names()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for name in PRODUCTS {
        assert!(
            names.iter().any(|n| n == name),
            "{name} not embedded: {names:?}"
        );
    }
}

/// `run` itself (embedded profiles) on a FortiOS tree, with the exact call
/// the brief names.
#[test]
fn run_with_embedded_profiles_finds_fortios_link() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    write(root, "data/lang/en/sslvpn.json", "{}\n");
    dir(root, "migadmin");
    link(root, "data/lang/custom", "/");
    let runs = ferret_appliance::run(
        root,
        &ferret_appliance::ProfileChoice::Auto,
        None,
        "host",
        "2026-11-24T00:00:00Z",
    )
    .expect("run");
    let f = findings_of(&runs, "fortios");
    assert!(
        has(f, "fortios", "symlink_out", "data/lang/custom"),
        "{:?}",
        list(f)
    );
}

/// SHA-256 of a byte string, lowercase hex.
fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

/// NetScaler: a PHP file in the VPN logon folder (CISA AA23-201A) and a
/// set-uid file under `var`, next to stock static files.
#[test]
fn netscaler_php_in_vpn_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    write(
        root,
        "flash/nsconfig/ns.conf",
        "#NS13.1 Build 49.13\nset ns config -IPAddress 192.0.2.1\n",
    );
    write(root, "netscaler/ns_gui/vpn/index.html", "<html></html>\n");
    write(root, "netscaler/ns_gui/vpn/js/logon.js", "var x = 1;\n");
    let runs = run_auto(root);
    assert!(
        findings_of(&runs, "netscaler").is_empty(),
        "{:?}",
        list(findings_of(&runs, "netscaler"))
    );
    write(
        root,
        "netscaler/ns_gui/vpn/logo.php",
        "<?php /* test */ ?>\n",
    );
    setuid_file(root, "var/tmp/zz-suid");
    let runs = run_auto(root);
    let f = findings_of(&runs, "netscaler");
    assert!(
        has(
            f,
            "netscaler",
            "unshipped_script",
            "netscaler/ns_gui/vpn/logo.php"
        ),
        "{:?}",
        list(f)
    );
    assert!(
        has(f, "netscaler", "setuid", "var/tmp/zz-suid"),
        "{:?}",
        list(f)
    );
}

/// Ivanti Connect Secure: a stock CGI stays quiet, an unknown CGI is
/// reported, and with a reference the modified stock CGI and Perl module
/// (Volexity, Mandiant) are reported as modified.
#[test]
fn ivanti_cgi_and_modified_perl_module() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let stock_cgi = "#!/usr/bin/perl\nprint \"ok\";\n";
    let stock_pm = "package DSUpgrade;\n1;\n";
    write(root, "home/perl/DSUpgrade.pm", stock_pm);
    write(
        root,
        "home/webserver/htdocs/dana-na/auth/compcheckresult.cgi",
        stock_cgi,
    );
    write(
        root,
        "home/webserver/htdocs/dana-na/css/ds.css",
        "body {}\n",
    );
    let runs = run_auto(root);
    assert!(
        findings_of(&runs, "ivanti").is_empty(),
        "{:?}",
        list(findings_of(&runs, "ivanti"))
    );
    write(
        root,
        "home/webserver/htdocs/dana-na/auth/zz-extra.cgi",
        "#!/usr/bin/perl\n",
    );
    let runs = run_auto(root);
    let f = findings_of(&runs, "ivanti");
    assert!(
        has(
            f,
            "ivanti",
            "unshipped_script",
            "home/webserver/htdocs/dana-na/auth/zz-extra.cgi"
        ),
        "{:?}",
        list(f)
    );
    let refdir = tempfile::tempdir().expect("tempdir");
    let reffile = refdir.path().join("clean.sha256");
    let text = format!(
        "{}  ./home/perl/DSUpgrade.pm\n{}  ./home/webserver/htdocs/dana-na/auth/compcheckresult.cgi\n",
        sha256_hex(stock_pm.as_bytes()),
        sha256_hex(stock_cgi.as_bytes())
    );
    std::fs::write(&reffile, text).expect("write reference");
    let reference = ferret_appliance::Reference::load(&reffile).expect("reference loads");
    write(
        root,
        "home/perl/DSUpgrade.pm",
        "package DSUpgrade;\n# changed by the test\n1;\n",
    );
    write(
        root,
        "home/webserver/htdocs/dana-na/auth/compcheckresult.cgi",
        "#!/usr/bin/perl\n# changed\n",
    );
    let runs = ferret_appliance::run_profiles(
        &profiles(),
        root,
        &ferret_appliance::ProfileChoice::Named("ivanti".into()),
        Some(&reference),
        HOST,
        TIME,
    )
    .expect("run");
    let f = findings_of(&runs, "ivanti");
    assert!(
        has(f, "ivanti", "modified", "home/perl/DSUpgrade.pm"),
        "{:?}",
        list(f)
    );
    assert!(
        has(
            f,
            "ivanti",
            "modified",
            "home/webserver/htdocs/dana-na/auth/compcheckresult.cgi"
        ),
        "{:?}",
        list(f)
    );
    assert!(
        has(
            f,
            "ivanti",
            "not_in_reference",
            "home/webserver/htdocs/dana-na/auth/zz-extra.cgi"
        ),
        "{:?}",
        list(f)
    );
}

/// PAN-OS GlobalProtect: stock `.pth` files stay quiet; the `system.pth`
/// UPSTYLE backdoor (Volexity, Unit 42) is reported as planted and as code
/// run at interpreter start.
#[test]
fn panos_system_pth_backdoor() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    dir(root, "var/appweb/sslvpndocs/global-protect");
    write(
        root,
        "var/appweb/sslvpndocs/global-protect/portal/css/login.css",
        "body {}\n",
    );
    write(
        root,
        "usr/lib/python3.6/site-packages/vendor.pth",
        "/opt/pan/lib\n",
    );
    write(
        root,
        "usr/lib/python3.6/site-packages/distutils-precedence.pth",
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'\n",
    );
    let runs = run_auto(root);
    assert!(
        findings_of(&runs, "panos").is_empty(),
        "{:?}",
        list(findings_of(&runs, "panos"))
    );
    let rel = "usr/lib/python3.6/site-packages/system.pth";
    write(
        root,
        rel,
        "import base64; exec(base64.b64decode('cGFzcw=='))\n",
    );
    let runs = run_auto(root);
    let f = findings_of(&runs, "panos");
    assert!(has(f, "panos", "planted", rel), "{:?}", list(f));
    assert!(has(f, "panos", "interpreter_start", rel), "{:?}", list(f));
}

/// Attacker-chosen names are escaped in titles: a served script whose name
/// holds a newline and an escape byte is reported on one line.
#[test]
fn hostile_names_are_escaped_in_findings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    write(root, "data/lang/en/sslvpn.json", "{}\n");
    dir(root, "migadmin");
    write(root, "migadmin/a\nb\u{1b}[31m.php", "<?php ?>\n");
    let runs = run_auto(root);
    let f = findings_of(&runs, "fortios");
    assert_eq!(f.len(), 1, "{:?}", list(f));
    assert!(
        !f[0].title.contains('\n') && !f[0].title.contains('\u{1b}'),
        "{:?}",
        f[0].title
    );
}
