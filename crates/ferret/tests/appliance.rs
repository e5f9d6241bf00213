//! `ferret scan --root` on a built PAN-OS-like tree: the layout is recognised,
//! the profile's findings and the web-shell scan's join in one output, and
//! `--profile none` / an unknown profile behave.

use crate::util::{run_jsonl, write, SHELL};

/// A GlobalProtect layout (markers), an UPSTYLE-style `.pth` and a web shell in
/// the unauthenticated folder.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "var/appweb/sslvpndocs/global-protect/portal/index.html",
        b"<html></html>",
    );
    write(root, "var/appweb/htdocs/unauth/logo.png", b"\x89PNG");
    write(
        root,
        "usr/lib/python3.6/site-packages/system.pth",
        b"import base64;exec(base64.b64decode('cHJpbnQoMSk='))\n",
    );
    write(
        root,
        "usr/lib/python3.6/site-packages/easy-install.pth",
        b"./setuptools-40.egg\n",
    );
    write(root, "var/appweb/htdocs/unauth/t.php", SHELL);
    dir
}

fn scan(root: &std::path::Path, extra: &[&str]) -> (Vec<serde_json::Value>, i32, String) {
    let mut args: Vec<std::ffi::OsString> = vec!["scan".into(), "--root".into(), root.into()];
    args.push("--no-components".into());
    args.extend(extra.iter().map(|a| a.into()));
    run_jsonl(&args)
}

#[test]
fn a_recognised_appliance_gets_its_profile() {
    let t = tree();
    let (f, code, err) = scan(t.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("appliance profile panos"), "{err}");
    let rules: Vec<&str> = f.iter().map(|x| x["rule"].as_str().unwrap()).collect();
    for want in [
        "appliance.panos.planted",
        "appliance.panos.interpreter_start",
        "appliance.panos.unshipped_script",
        "ferret.webshell",
    ] {
        assert!(rules.contains(&want), "{want} missing from {rules:?}");
    }
    // The stock .pth that only lists a path is not reported.
    assert!(!f.iter().any(|x| x["subject"]["path"]
        .as_str()
        .unwrap()
        .ends_with("easy-install.pth")));
    let pth = f
        .iter()
        .find(|x| x["rule"] == "appliance.panos.planted")
        .unwrap();
    assert_eq!(
        pth["subject"]["original_path"],
        "/usr/lib/python3.6/site-packages/system.pth"
    );
    assert!(pth["evidence"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("CVE-2024-3400"));

    // --profile none: only the web-shell scan remains.
    let (f, _, err) = scan(t.path(), &["--profile", "none"]);
    assert!(!err.contains("appliance profile"), "{err}");
    assert!(f.iter().all(|x| x["rule"] == "ferret.webshell"), "{f:#?}");

    // An unknown profile is a clear error naming the known ones.
    let (_, code, err) = scan(t.path(), &["--profile", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("netscaler") && err.contains("sophos"), "{err}");
}

#[test]
fn a_plain_tree_gets_no_profile() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "var/www/html/index.php", b"<?php echo 1; ?>");
    let (f, code, err) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(f.is_empty());
    assert!(!err.contains("appliance profile"), "{err}");
}

/// The web-shell scan over an appliance's served folder: stock-looking Perl
/// CGI pages (request parameters escaped into HTML, a redirect, a file read
/// from a fixed path) stay silent, and a CGI passing a parameter to a shell
/// is found by both the scan and the profile.
#[test]
fn benign_appliance_cgi_stays_silent_and_a_cgi_shell_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let served = "home/webserver/htdocs/dana-na";
    write(
        root,
        "home/perl/DSUpgrade.pm",
        b"package DSUpgrade;\nuse strict;\nsub version { return '22.7'; }\n1;\n",
    );
    write(
        root,
        &format!("{served}/auth/welcome.cgi"),
        b"#!/usr/bin/perl\nuse strict;\nuse CGI;\nmy $q = CGI->new;\nmy $realm = $q->param('realm') // '';\n$realm =~ s/[^A-Za-z0-9_-]//g;\nprint $q->header('text/html');\nprint \"<html><body>Welcome to \", CGI::escapeHTML($realm), \"</body></html>\\n\";\n",
    );
    write(
        root,
        &format!("{served}/auth/logout.cgi"),
        b"#!/usr/bin/perl\nuse strict;\nuse CGI;\nmy $q = CGI->new;\nprint $q->redirect(-uri => '/dana-na/auth/url_default/welcome.cgi');\n",
    );
    write(
        root,
        &format!("{served}/meeting/meeting_testjs.cgi"),
        b"#!/usr/bin/perl\nuse strict;\nopen(my $fh, '<', '/home/webserver/htdocs/dana-na/meeting/test.js') or exit 1;\nprint \"Content-Type: application/javascript\\n\\n\";\nprint while <$fh>;\nclose $fh;\n",
    );
    let (f, code, err) = scan(root, &[]);
    assert_eq!(code, 0, "{err}\n{f:#?}");
    assert!(err.contains("appliance profile ivanti"), "{err}");
    assert!(f.is_empty(), "{f:#?}");

    write(
        root,
        &format!("{served}/auth/lastauthserverused.cgi"),
        b"#!/usr/bin/perl\nuse CGI;\nmy $q = CGI->new;\nprint \"Content-Type: text/plain\\n\\n\";\nprint `$q->param('cmd')`;\nsystem($q->param('c'));\n",
    );
    let (f, code, err) = scan(root, &[]);
    assert_eq!(code, 1, "{err}");
    let rules: Vec<&str> = f.iter().map(|x| x["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"ferret.webshell"), "{rules:?}");
    assert!(
        rules.contains(&"appliance.ivanti.unshipped_script"),
        "{rules:?}"
    );
}
