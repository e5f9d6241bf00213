//! Each check on real temporary trees, discovered through ferret-collect as
//! `ferret posture` does.

mod common;

use common::{check, posture};
use ferret_posture::{Check, Status};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn write(root: &Path, rel: &str, data: &[u8]) -> PathBuf {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
    p
}

fn uid() -> u32 {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() }
}

fn text(c: &Check) -> String {
    serde_json::to_string(&c.evidence).unwrap()
}

const FULL: &str =
    "disable_functions = exec,system,shell_exec,passthru,popen,proc_open,pcntl_exec,pcntl_fork\n";

#[test]
fn php_disable_functions_missing_then_complete() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(
        r,
        "etc/php/8.2/fpm/php.ini",
        b"[PHP]\nengine = On\ndisable_functions = pcntl_alarm,exec,system\n",
    );
    write(r, "etc/php/8.2/apache2/php.ini", FULL.as_bytes());
    write(
        r,
        "etc/php/8.2/cli/php.ini",
        b"[PHP]\ndisable_functions =\n",
    );
    let p = posture(r);
    let c = check(&p, "php.disable_functions");
    assert_eq!(c.status, Status::NotMet, "{c:#?}");
    let fpm = c
        .evidence
        .iter()
        .find(|e| e.what.contains("/etc/php/8.2/fpm"))
        .unwrap();
    assert!(
        fpm.what
            .contains("misses shell_exec, passthru, popen, proc_open, pcntl_exec"),
        "{fpm:?}"
    );
    assert!(fpm
        .file
        .as_ref()
        .unwrap()
        .as_str()
        .ends_with("etc/php/8.2/fpm/php.ini"));
    assert_eq!(fpm.line, Some(3));
    assert_eq!(
        fpm.value.as_ref().unwrap().as_str(),
        "pcntl_alarm,exec,system"
    );
    assert!(c
        .evidence
        .iter()
        .any(|e| e.what.contains("apache2: disable_functions covers")));
    assert!(
        !text(c).contains("/cli"),
        "cli SAPI is skipped: {}",
        text(c)
    );

    // A conf.d file later in the set completes it: the last setting wins.
    write(r, "etc/php/8.2/fpm/conf.d/99-harden.ini", FULL.as_bytes());
    let c = check(&posture(r), "php.disable_functions").clone();
    assert_eq!(c.status, Status::Met, "{c:#?}");
    assert!(text(&c).contains("99-harden.ini"));
}

#[test]
fn fpm_pool_adds_to_php_ini() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(
        r,
        "etc/php/8.2/fpm/php.ini",
        b"disable_functions = exec,system,shell_exec\n",
    );
    write(
        r,
        "etc/php/8.2/fpm/pool.d/www.conf",
        b"[www]\nuser = www-data\nphp_admin_value[disable_functions] = passthru,popen,proc_open,pcntl_exec\n",
    );
    write(
        r,
        "etc/php/8.2/fpm/pool.d/shop.conf",
        b"[shop]\nuser = shop\n",
    );
    let p = posture(r);
    let c = check(&p, "php.disable_functions");
    assert_eq!(c.status, Status::NotMet, "{c:#?}");
    let www = c
        .evidence
        .iter()
        .find(|e| e.what.contains("[www]"))
        .unwrap();
    assert!(www.what.contains("covers"), "{www:?}");
    assert_eq!(www.line, Some(3));
    let shop = c
        .evidence
        .iter()
        .find(|e| e.what.contains("[shop]"))
        .unwrap();
    assert!(shop.what.contains("misses passthru"), "{shop:?}");
}

fn apache_site(r: &Path, www_uid: u32) {
    write(
        r,
        "etc/apache2/apache2.conf",
        b"User ${APACHE_RUN_USER}\nGroup ${APACHE_RUN_GROUP}\nIncludeOptional sites-enabled/*.conf\n",
    );
    write(
        r,
        "etc/apache2/envvars",
        b"export APACHE_RUN_USER=www-data\nexport APACHE_RUN_GROUP=www-data\n",
    );
    write(
        r,
        "etc/apache2/sites-enabled/000-default.conf",
        b"<VirtualHost *:80>\n  DocumentRoot /var/www/html\n</VirtualHost>\n",
    );
    write(
        r,
        "etc/passwd",
        format!("root:x:0:0:root:/root:/bin/bash\nwww-data:x:{www_uid}:{www_uid}:www-data:/var/www:/usr/sbin/nologin\n").as_bytes(),
    );
    write(
        r,
        "etc/group",
        format!("root:x:0:\nwww-data:x:{www_uid}:\n").as_bytes(),
    );
    write(r, "var/www/html/index.php", b"<?php echo 1;\n");
    for d in ["var/www/html", "var/www"] {
        std::fs::set_permissions(r.join(d), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(
        r.join("var/www/html/index.php"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
}

#[test]
fn web_root_owned_by_the_server_user_is_not_met() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    // www-data has this test's uid, so it owns (and can write) the web root.
    apache_site(r, uid());
    let p = posture(r);
    let c = check(&p, "privilege.web_dirs_not_writable");
    assert_eq!(c.status, Status::NotMet, "{c:#?}");
    let user = &c.evidence[0];
    assert!(
        user.what
            .starts_with(&format!("apache runs as www-data (uid {}", uid())),
        "{user:?}"
    );
    assert!(user
        .file
        .as_ref()
        .unwrap()
        .as_str()
        .ends_with("etc/apache2/apache2.conf"));
    assert_eq!(user.line, Some(1));
    let hit = c
        .evidence
        .iter()
        .find(|e| e.what.contains("owned by www-data"))
        .unwrap();
    assert!(
        hit.file
            .as_ref()
            .unwrap()
            .as_str()
            .ends_with("var/www/html"),
        "{hit:?}"
    );
    assert!(hit
        .value
        .as_ref()
        .unwrap()
        .as_str()
        .starts_with("mode 0755"));
}

#[test]
fn world_writable_file_under_web_root_is_not_met_otherwise_met() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    // www-data is some other uid: the tree (owned by this test's user) is safe...
    let other = if uid() == 33 { 34 } else { 33 };
    apache_site(r, other);
    let c = check(&posture(r), "privilege.web_dirs_not_writable").clone();
    assert_eq!(c.status, Status::Met, "{c:#?}");
    // ...until a file is world-writable.
    std::fs::set_permissions(
        r.join("var/www/html/index.php"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    let c = check(&posture(r), "privilege.web_dirs_not_writable").clone();
    assert_eq!(c.status, Status::NotMet, "{c:#?}");
    let hit = c
        .evidence
        .iter()
        .find(|e| e.what.contains("writable by every user"))
        .unwrap();
    assert!(hit.file.as_ref().unwrap().as_str().ends_with("index.php"));
    assert!(hit
        .value
        .as_ref()
        .unwrap()
        .as_str()
        .starts_with("mode 0666"));
}

#[test]
fn upload_dir_needs_a_blocker() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    apache_site(r, 33);
    std::fs::create_dir_all(r.join("var/www/html/wp-content/uploads/2024")).unwrap();
    let c = check(&posture(r), "web.upload_dirs_no_scripts").clone();
    assert_eq!(c.status, Status::NotMet, "{c:#?}");
    assert!(c.evidence[0]
        .file
        .as_ref()
        .unwrap()
        .as_str()
        .ends_with("wp-content/uploads"));

    // An .htaccess in the directory turns PHP off.
    write(
        r,
        "var/www/html/wp-content/uploads/.htaccess",
        b"# no scripts\nphp_admin_flag engine off\n",
    );
    let c = check(&posture(r), "web.upload_dirs_no_scripts").clone();
    assert_eq!(c.status, Status::Met, "{c:#?}");
    assert_eq!(c.evidence[1].line, Some(2));

    // A <Directory> section in the server configuration does too.
    std::fs::remove_file(r.join("var/www/html/wp-content/uploads/.htaccess")).unwrap();
    write(
        r,
        "etc/apache2/sites-enabled/000-default.conf",
        b"<VirtualHost *:80>\n  DocumentRoot /var/www/html\n</VirtualHost>\n<Directory /var/www/html/wp-content/uploads>\n  RemoveHandler .php .phtml\n</Directory>\n",
    );
    let c = check(&posture(r), "web.upload_dirs_no_scripts").clone();
    assert_eq!(c.status, Status::Met, "{c:#?}");
    let e = &c.evidence[1];
    assert_eq!(
        (e.line, e.value.as_ref().unwrap().as_str()),
        (Some(5), "RemoveHandler .php .phtml")
    );
}

#[test]
fn second_uid_zero_account_is_not_met() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(r, "etc/passwd", b"root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/bash\n");
    let p = posture(r);
    let c = check(&p, "privilege.few_superusers");
    assert_eq!(c.status, Status::NotMet, "{c:#?}");
    let e = c
        .evidence
        .iter()
        .find(|e| e.what.contains("extra"))
        .unwrap();
    assert_eq!(
        (e.line, e.value.as_ref().unwrap().as_str()),
        (Some(2), "toor")
    );
    write(r, "etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n");
    assert_eq!(
        check(&posture(r), "privilege.few_superusers").status,
        Status::Met
    );
}

fn utf16(s: &str) -> Vec<u8> {
    let mut v = vec![0xFF, 0xFE];
    for u in s.encode_utf16() {
        v.extend(u.to_le_bytes());
    }
    v
}

#[test]
fn errorlog_xp_cmdshell_last_change_wins() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let log = "Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/ERRORLOG";
    let on = "2024-03-01 10:00:00.12 Server      Microsoft SQL Server 2019\r\n\
              2024-03-01 10:05:00.34 spid52      Configuration option 'show advanced options' changed from 0 to 1. Run the RECONFIGURE statement to install.\r\n\
              2024-03-01 10:05:01.56 spid52      Configuration option 'xp_cmdshell' changed from 0 to 1. Run the RECONFIGURE statement to install.\r\n";
    write(r, log, &utf16(on));
    let c = check(&posture(r), "mssql.xp_cmdshell_clr").clone();
    assert_eq!(c.status, Status::NotMet, "{c:#?}");
    let e = c
        .evidence
        .iter()
        .find(|e| e.what.contains("'xp_cmdshell' last set to 1"))
        .unwrap();
    assert_eq!(e.line, Some(3));
    assert!(e
        .file
        .as_ref()
        .unwrap()
        .as_str()
        .ends_with("MSSQL/Log/ERRORLOG"));
    let off = format!("{on}2024-03-01 11:00:00.00 spid53      Configuration option 'xp_cmdshell' changed from 1 to 0. Run the RECONFIGURE statement to install.\r\n");
    write(r, log, &utf16(&off));
    let c = check(&posture(r), "mssql.xp_cmdshell_clr").clone();
    assert_eq!(c.status, Status::Met, "{c:#?}");
    // No ERRORLOG at all: unknown.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        check(&posture(empty.path()), "mssql.xp_cmdshell_clr").status,
        Status::Unknown
    );
}

#[test]
fn esxi_boot_cfg_exec_installed_only() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(r, "bootbank/boot.cfg", b"bootstate=0\ntitle=Loading VMware ESXi\nkernel=b.b00\nkernelopt=autoPartition=FALSE execInstalledOnly=TRUE\n");
    let c = check(&posture(r), "boot.secure_boot").clone();
    assert_eq!(c.status, Status::Met, "{c:#?}");
    assert_eq!(c.evidence[0].line, Some(4));
    write(
        r,
        "bootbank/boot.cfg",
        b"kernelopt=execInstalledOnly=FALSE\n",
    );
    assert_eq!(
        check(&posture(r), "boot.secure_boot").status,
        Status::NotMet
    );
    // A plain file tree says nothing about the firmware.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        check(&posture(empty.path()), "boot.secure_boot").status,
        Status::Unknown
    );
}

#[test]
fn reports_render_and_json_parses() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(r, "etc/php/8.2/fpm/php.ini", b"disable_functions = exec\n");
    write(
        r,
        "etc/passwd",
        b"root:x:0:0::/root:/bin/sh\nevil\x1b[2J:x:0:0::/:/bin/sh\n",
    );
    let p = posture(r);
    let mut json = Vec::new();
    ferret_posture::report::write(&mut json, &p, ferret_posture::report::Format::Json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["record"], "posture");
    assert_eq!(v["checks"].as_array().unwrap().len(), p.checks.len());
    assert_eq!(v["checks"][0]["mitigation"], "M1047");
    assert_eq!(v["checks"][0]["status"], "not_met");
    let mut lines = Vec::new();
    ferret_posture::report::write(&mut lines, &p, ferret_posture::report::Format::Jsonl).unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(lines)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), p.checks.len());
    assert!(lines
        .iter()
        .all(|l| l["record"] == "posture_check" && l["host"] == "test-host"));
    let mut table = Vec::new();
    ferret_posture::report::write(&mut table, &p, ferret_posture::report::Format::Table).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(
        table.contains("NOT MET  M1042  php.disable_functions"),
        "{table}"
    );
    // The account name's escape sequence is shown escaped, never raw.
    assert!(!table.contains('\x1b'));
    assert!(table.contains("evil\\x1b[2J"), "{table}");
}
