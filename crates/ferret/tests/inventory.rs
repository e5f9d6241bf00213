//! `ferret inventory` on a collection assembled from the real stock files of
//! `../shared/datasets/artifacts` (IIS + Exchange + SYSTEM hive + ESXi image
//! database + Debian server configs): it must come out clean (nothing at
//! medium or above); then one change at a time is planted into a fresh copy
//! and each must be found with the right technique and check.

use crate::util::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn artifacts() -> Option<PathBuf> {
    let p = repo().join("../shared/datasets/artifacts");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/datasets/artifacts not present");
        None
    }
}

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(e.file_name());
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            copy_tree(&e.path(), &to);
        } else if ft.is_file() {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

const EXCHANGE: &str = "C/Program Files/Microsoft/Exchange Server/V15";

/// A stock agents.config for a Mailbox server (no real one is public; the
/// agents, factories and assemblies are Microsoft's defaults).
fn stock_agents() -> String {
    let agents = [
        (
            "Transport Rule Agent",
            "Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.TransportRuleAgentFactory",
            "Rule\\Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll",
        ),
        (
            "Malware Agent",
            "Microsoft.Exchange.Transport.Agent.Malware.MalwareAgentFactory",
            "Antimalware\\Microsoft.Exchange.Transport.Agent.Malware.dll",
        ),
        (
            "Journaling Agent",
            "Microsoft.Exchange.MessagingPolicies.Journaling.JournalAgentFactory",
            "Journaling\\Microsoft.Exchange.MessagingPolicies.JournalAgent.dll",
        ),
    ];
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <mexRuntime>\n    <agentList>\n");
    for (n, f, a) in agents {
        s.push_str(&format!("      <agent name=\"{n}\" baseType=\"Microsoft.Exchange.Data.Transport.Routing.RoutingAgent\" classFactory=\"{f}\" assemblyPath=\"C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\agents\\{a}\" enabled=\"true\" />\n"));
    }
    s.push_str("    </agentList>\n  </mexRuntime>\n</configuration>\n");
    s
}

/// The stock collection: one folder holding a Windows C: drive, an ESXi
/// image database and a Debian server's /etc and dpkg database.
fn stock(a: &Path) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let iis = a.join("iis");
    write(
        r,
        "C/Windows/System32/inetsrv/config/applicationHost.config",
        &std::fs::read(iis.join("applicationHost/exchange2019/applicationHost.config")).unwrap(),
    );
    write(
        r,
        "C/inetpub/wwwroot/web.config",
        &std::fs::read(iis.join("web.config/exchange2019/DefaultWebSite_web.config")).unwrap(),
    );
    write(
        r,
        &format!("{EXCHANGE}/FrontEnd/HttpProxy/owa/web.config"),
        &std::fs::read(iis.join("web.config/exchange2019/DefaultWebSite-OWA_web.config")).unwrap(),
    );
    write(
        r,
        &format!("{EXCHANGE}/ClientAccess/owa/web.config"),
        &std::fs::read(iis.join("web.config/exchange2019/ExchangeBackEnd-OWA_web.config")).unwrap(),
    );
    write(
        r,
        &format!("{EXCHANGE}/TransportRoles/Shared/agents.config"),
        stock_agents().as_bytes(),
    );
    write(
        r,
        "C/Windows/System32/config/SYSTEM",
        &std::fs::read(a.join("registry/SYSTEM_WIN_10_1709")).unwrap(),
    );
    copy_tree(&a.join("esxi/var"), &r.join("var"));
    copy_tree(&a.join("linux/etc"), &r.join("etc"));
    copy_tree(&a.join("linux/usr"), &r.join("usr"));
    copy_tree(&a.join("linux/var"), &r.join("var"));
    // Empty directories a real install has (git keeps none).
    for d in [
        "etc/postgresql/15/main/conf.d",
        "etc/apache2/conf-enabled",
        "var/www/html",
        "etc/apache2/mods-enabled",
    ] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    // What Debian's maintainer scripts set up: the default modules and site
    // enabled, php.ini copied from the template, extensions enabled in conf.d.
    for m in [
        "mpm_event",
        "authz_core",
        "authz_host",
        "alias",
        "dir",
        "mime",
        "setenvif",
        "status",
        "php8.2",
    ] {
        for ext in ["load", "conf"] {
            let target = format!("../mods-available/{m}.{ext}");
            if r.join("etc/apache2/mods-available")
                .join(format!("{m}.{ext}"))
                .exists()
            {
                std::os::unix::fs::symlink(
                    &target,
                    r.join(format!("etc/apache2/mods-enabled/{m}.{ext}")),
                )
                .unwrap();
            }
        }
    }
    std::fs::create_dir_all(r.join("etc/apache2/sites-enabled")).unwrap();
    std::os::unix::fs::symlink(
        "../sites-available/000-default.conf",
        r.join("etc/apache2/sites-enabled/000-default.conf"),
    )
    .unwrap();
    for sapi in ["apache2", "fpm"] {
        let ini = std::fs::read(a.join("linux/usr/lib/php/8.2/php.ini-production")).unwrap();
        write(r, &format!("etc/php/8.2/{sapi}/php.ini"), &ini);
        std::fs::create_dir_all(r.join(format!("etc/php/8.2/{sapi}/conf.d"))).unwrap();
        for (n, e) in [("10", "pdo"), ("20", "mysqli"), ("20", "posix")] {
            std::os::unix::fs::symlink(
                format!("/etc/php/8.2/mods-available/{e}.ini"),
                r.join(format!("etc/php/8.2/{sapi}/conf.d/{n}-{e}.ini")),
            )
            .unwrap();
        }
    }
    t
}

struct Run {
    components: Vec<Value>,
    findings: Vec<Value>,
    stderr: String,
}

fn inventory(root: &Path) -> Run {
    let out = ferret()
        .args(["inventory", "--root"])
        .arg(root)
        .args(["--format", "jsonl", "--min-severity", "low", "--host", "t"])
        .output()
        .unwrap();
    let mut components = Vec::new();
    let mut findings = Vec::new();
    for l in String::from_utf8(out.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        if v["record"] == "component" {
            if !v["finding"].is_null() {
                findings.push(v["finding"].clone());
            }
            components.push(v);
        } else {
            assert_eq!(v["record"], "finding");
            findings.push(v);
        }
    }
    Run {
        components,
        findings,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn medium_or_above(f: &[Value]) -> Vec<&Value> {
    f.iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("medium" | "high" | "critical")))
        .collect()
}

#[test]
fn stock_collection_is_clean_and_each_plant_is_found() {
    let Some(a) = artifacts() else { return };
    let base = stock(&a);
    let run = inventory(base.path());
    let count = |server: &str| {
        run.components
            .iter()
            .filter(|c| c["server"] == server)
            .count()
    };
    eprintln!(
        "stock collection: {} components (iis {}, exchange {}, windows_service {}, esxi {}, apache {}, nginx {}, php {}, tomcat {}, redis {}, postgres {}); {} findings at low, {} at medium+",
        run.components.len(),
        count("iis"),
        count("exchange"),
        count("windows_service"),
        count("esxi"),
        count("apache"),
        count("nginx"),
        count("php"),
        count("tomcat"),
        count("redis"),
        count("postgres"),
        run.findings.len(),
        medium_or_above(&run.findings).len()
    );
    assert!(
        medium_or_above(&run.findings).is_empty(),
        "stock findings: {:#?}",
        medium_or_above(&run.findings)
    );
    for server in [
        "iis",
        "exchange",
        "windows_service",
        "esxi",
        "apache",
        "php",
        "tomcat",
    ] {
        assert!(
            count(server) > 0,
            "no {server} components found; stderr: {}",
            run.stderr
        );
    }
    // Every ControlSet's TermService ServiceDll is listed and stock.
    let termsrv: Vec<&Value> = run
        .components
        .iter()
        .filter(|c| c["name"] == "TermService")
        .collect();
    assert!(!termsrv.is_empty(), "{termsrv:?}");
    assert!(termsrv.iter().all(|c| c["verdict"] == "stock"));
    // The only errors allowed on the stock tree are the hive's dirty flag.
    for line in run.stderr.lines().filter(|l| {
        l.starts_with("ferret: ") && !l.contains(" components (") && !l.contains("web root")
    }) {
        assert!(line.contains("dirty hive"), "unexpected error: {line}");
    }

    type Plant = fn(&Path, &Path);
    let plants: Vec<(&str, Plant, &str, &str)> = vec![
        (
            "IIS module from ProgramData",
            |r, _| {
                edit(r, "C/Windows/System32/inetsrv/config/applicationHost.config", "<globalModules>", "<globalModules>\n<add name=\"HttpCompressionHelper\" image=\"C:\\ProgramData\\Microsoft\\Crypto\\hch.dll\" />");
            },
            "T1505.004",
            "iis.image_outside_inetsrv",
        ),
        (
            "IIS stock name, other image",
            |r, _| {
                edit(
                    r,
                    "C/Windows/System32/inetsrv/config/applicationHost.config",
                    "inetsrv\\cachuri.dll",
                    "inetsrv\\cachuri64.dll",
                );
            },
            "T1505.004",
            "iis.stock_name_other_image",
        ),
        (
            "IIS module with a tampered signature",
            |r, _| {
                edit(r, "C/Windows/System32/inetsrv/config/applicationHost.config", "<globalModules>", "<globalModules>\n<add name=\"IisTelemetry\" image=\"C:\\Program Files\\IIS\\telemetry.dll\" />");
                let mut dll = std::fs::read(
                    repo()
                        .join("crates/ferret-collect/tests/data/authenticode/tiny-signed-rsa.dll"),
                )
                .unwrap();
                dll[0x400] ^= 0xff;
                write(r, "C/Program Files/IIS/telemetry.dll", &dll);
            },
            "T1505.004",
            "image.signature_invalid",
        ),
        (
            "web.config type imitating Microsoft",
            |r, _| {
                write(r, "C/inetpub/wwwroot/aspnet_client/web.config", b"<configuration><system.webServer><modules><add name=\"SessionHelper\" type=\"System.Web.SessionState.SessionHelper, App_Web_x, Version=1.0.0.0, Culture=neutral, PublicKeyToken=1234567890abcdef\" /></modules></system.webServer></configuration>");
            },
            "T1505.004",
            "iis.microsoft_type_foreign_key",
        ),
        (
            "handler executing .jpg",
            |r, _| {
                edit(r, "C/Windows/System32/inetsrv/config/applicationHost.config", "<handlers accessPolicy=\"Read, Script\">", "<handlers accessPolicy=\"Read, Script\">\n<add name=\"ImageHandler\" path=\"*.jpg\" verb=\"*\" modules=\"IsapiModule\" scriptProcessor=\"%windir%\\Microsoft.NET\\Framework64\\v4.0.30319\\aspnet_isapi.dll\" />");
            },
            "T1505.004",
            "iis.static_extension_executed",
        ),
        (
            "Exchange agent outside the install",
            |r, _| {
                edit(r, &format!("{EXCHANGE}/TransportRoles/Shared/agents.config"), "</agentList>", "<agent name=\"Transport Compliance Agent\" baseType=\"Microsoft.Exchange.Data.Transport.Routing.RoutingAgent\" classFactory=\"Microsoft.Exchange.Transport.Agent.Compliance.Factory\" assemblyPath=\"C:\\ProgramData\\Microsoft\\Exchange\\tca.dll\" enabled=\"true\" />\n</agentList>");
            },
            "T1505.002",
            "exchange.assembly_outside_install",
        ),
        (
            "TermService ServiceDll replaced",
            |r, _| {
                let p = r.join("C/Windows/System32/config/SYSTEM");
                let mut b = std::fs::read(&p).unwrap();
                let from: Vec<u8> = "termsrv.dll"
                    .encode_utf16()
                    .flat_map(|u| u.to_le_bytes())
                    .collect();
                let to: Vec<u8> = "evilsrv.dll"
                    .encode_utf16()
                    .flat_map(|u| u.to_le_bytes())
                    .collect();
                let mut i = 0;
                while let Some(at) = b[i..]
                    .windows(from.len())
                    .position(|w| w.eq_ignore_ascii_case(&from))
                {
                    b[i + at..i + at + to.len()].copy_from_slice(&to);
                    i += at + to.len();
                }
                std::fs::write(&p, b).unwrap();
            },
            "T1505.005",
            "termsrv.service_dll_replaced",
        ),
        (
            "community VIB writing rc.local.d",
            |r, a| {
                let d = std::fs::read_to_string(
                    a.join("esxi/community-vib/esxi-firewall-vib/descriptor.xml"),
                )
                .unwrap();
                let d = d
                    .replace(
                        "<file-list>",
                        "<file-list><file>etc/rc.local.d/local.sh</file>",
                    )
                    .replace(
                        "<file-list/>",
                        "<file-list><file>etc/rc.local.d/local.sh</file></file-list>",
                    );
                write(r, "var/db/esximg/vibs/fw-1.xml", d.as_bytes());
            },
            "T1505.006",
            "esxi.community_vib",
        ),
        (
            "ESXi install with --no-sig-check",
            |r, _| {
                write(r, "var/log/shell.log", b"2024-03-01T10:00:00Z shell[2099]: [root]: esxcli software vib install -v /tmp/vmware-tools.vib --no-sig-check\n");
            },
            "T1505.006",
            "esxi.no_sig_check",
        ),
        (
            "Apache module from /tmp",
            |r, _| {
                write(
                    r,
                    "etc/apache2/conf-enabled/cache.conf",
                    b"LoadModule cache_helper_module /tmp/.ICE-unix/mod_cache_helper.so\n",
                );
                write(
                    r,
                    "tmp/.ICE-unix/mod_cache_helper.so",
                    b"\x7fELF not really",
                );
            },
            "T1505",
            "module.outside_module_dir",
        ),
        (
            "Apache module modified after install",
            |r, _| {
                write(
                    r,
                    "etc/apache2/mods-enabled/actions.load",
                    b"LoadModule actions_module /usr/lib/apache2/modules/mod_actions.so\n",
                );
                write(
                    r,
                    "usr/lib/apache2/modules/mod_actions.so",
                    b"\x7fELF a rebuilt module with a backdoor",
                );
            },
            "T1505",
            "package.modified",
        ),
        (
            ".htaccess running .jpg as PHP",
            |r, _| {
                edit(
                    r,
                    "etc/apache2/apache2.conf",
                    "IncludeOptional conf-enabled/*.conf",
                    "IncludeOptional conf-enabled/*.conf\nDocumentRoot /var/www/html",
                );
                write(
                    r,
                    "var/www/html/uploads/.htaccess",
                    b"AddType application/x-httpd-php .jpg\n",
                );
            },
            "T1505.003",
            "php.static_extension_executed",
        ),
        (
            "php.ini auto_prepend_file",
            |r, _| {
                write(
                    r,
                    "etc/php/8.2/apache2/php.ini",
                    b"[PHP]\nengine = On\nauto_prepend_file = /var/tmp/.sess.php\n",
                );
            },
            "T1505.003",
            "php.auto_include",
        ),
        (
            "Tomcat valve",
            |r, _| {
                edit(r, "etc/tomcat10/server.xml", "<Engine name=\"Catalina\" defaultHost=\"localhost\">", "<Engine name=\"Catalina\" defaultHost=\"localhost\">\n<Valve className=\"com.example.metrics.RequestValve\"/>");
            },
            "T1505",
            "tomcat.foreign_server_component",
        ),
        (
            "Redis module",
            |r, _| {
                edit(
                    r,
                    "etc/redis/redis.conf",
                    "# loadmodule /path/to/my_module.so",
                    "loadmodule /dev/shm/exp.so",
                );
            },
            "T1505",
            "redis.module_outside_dir",
        ),
        (
            "PostgreSQL preload library",
            |r, _| {
                write(
                    r,
                    "etc/postgresql/15/main/conf.d/90-tuning.conf",
                    b"shared_preload_libraries = 'pg_stat_statements,/var/tmp/libpgtune'\n",
                );
            },
            "T1505",
            "pg.preload_library_path",
        ),
    ];
    let mut found = 0;
    for (what, plant, technique, rule) in &plants {
        let t = stock(&a);
        plant(t.path(), &a);
        let run = inventory(t.path());
        let hit = run.findings.iter().find(|f| {
            f["technique"] == *technique
                && f["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["rule"] == *rule)
                && matches!(f["severity"].as_str(), Some("medium" | "high" | "critical"))
        });
        assert!(
            hit.is_some(),
            "{what}: no {technique} finding with {rule}; findings: {:#?}\nstderr: {}",
            run.findings,
            run.stderr
        );
        found += 1;
    }
    eprintln!("planted changes found: {found}/{}", plants.len());
}

/// Replaces the last occurrence of `from` in a file of the tree (the first
/// may sit in a comment that explains the section).
fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let p = root.join(rel);
    let s = std::fs::read_to_string(&p).unwrap();
    let at = s
        .rfind(from)
        .unwrap_or_else(|| panic!("{rel} does not contain {from:?}"));
    std::fs::write(&p, format!("{}{to}{}", &s[..at], &s[at + from.len()..])).unwrap();
}

#[test]
fn scan_reports_components_with_web_shells() {
    let Some(a) = artifacts() else { return };
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(
        r,
        "C/Windows/System32/inetsrv/config/applicationHost.config",
        &std::fs::read(a.join("iis/applicationHost/exchange2019/applicationHost.config")).unwrap(),
    );
    edit(r, "C/Windows/System32/inetsrv/config/applicationHost.config", "<globalModules>", "<globalModules>\n<add name=\"HttpCompressionHelper\" image=\"C:\\Users\\Public\\hch.dll\" />");
    write(r, "C/inetpub/wwwroot/aspnet_client/x.php", SHELL);
    let (findings, code, stderr) = scan_jsonl(&["--root", r.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    let kinds: Vec<&str> = findings
        .iter()
        .map(|f| f["subject"]["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"component") && kinds.contains(&"file"),
        "{findings:#?}"
    );
    let (only_files, _, _) = scan_jsonl(&["--root", r.to_str().unwrap(), "--no-components"]);
    assert!(only_files.iter().all(|f| f["subject"]["kind"] == "file"));
}

#[test]
fn hostile_configuration_is_a_per_item_error() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let deep = "<a>".repeat(100_000);
    write(
        r,
        "C/Windows/System32/inetsrv/config/applicationHost.config",
        deep.as_bytes(),
    );
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><configuration><mexRuntime><agentList><agent name=\"&c;\"/></agentList></mexRuntime></configuration>";
    write(
        r,
        &format!("{EXCHANGE}/TransportRoles/Shared/agents.config"),
        laughs.as_bytes(),
    );
    write(
        r,
        "etc/apache2/apache2.conf",
        b"Include /etc/apache2/apache2.conf\n\xff\xfe\x00junk\n",
    );
    write(
        r,
        "C/Windows/System32/config/SYSTEM",
        b"regf\x00\x00\x00\x00 truncated",
    );
    let out = ferret()
        .args(["inventory", "--root"])
        .arg(r)
        .args(["--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("applicationHost.config") && err.contains("nesting"),
        "{err}"
    );
    assert!(err.contains("SYSTEM"), "{err}");
    assert!(err.contains("apache2.conf"), "{err}");
}

#[test]
fn broken_package_database_files_are_reported() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(
        r,
        "var/lib/dpkg/info/apache2-bin.list",
        b"/usr/lib/apache2/modules/mod_x.so\n",
    );
    write(
        r,
        "var/lib/dpkg/info/apache2-bin.md5sums",
        b"not an md5 line\n",
    );
    write(r, "etc/redis/redis.conf", b"port 6379\n");
    let out = ferret()
        .args(["inventory", "--root"])
        .arg(r)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("apache2-bin.md5sums"), "{err}");
}
