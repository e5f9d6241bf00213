//! `ferret audit-db` against the real PostgreSQL on loopback
//! (FERRET_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432). Each
//! test plants backdoors in its own scratch database and role, asserts the
//! exact findings, proves the audit changed no catalog, and cleans up.
//! Without a server the tests print that they were skipped.

use crate::util::*;
use std::collections::BTreeMap;

fn url() -> String {
    std::env::var("FERRET_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn admin(db: &str) -> Option<postgres::Client> {
    let cfg = format!("{}/{db}", url());
    match postgres::Client::connect(&cfg, postgres::NoTls) {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("skipped: PostgreSQL not reachable at {} ({e})", url());
            None
        }
    }
}

/// A hash of every catalog the audit reads, for before/after comparison.
fn catalog_hash(c: &mut postgres::Client) -> String {
    let q = "SELECT md5(concat_ws('|', \
        (SELECT string_agg(p::text, ',' ORDER BY p.oid) FROM pg_proc p), \
        (SELECT string_agg(t::text, ',' ORDER BY t.oid) FROM pg_trigger t), \
        (SELECT string_agg(e::text, ',' ORDER BY e.oid) FROM pg_event_trigger e), \
        (SELECT string_agg(x::text, ',' ORDER BY x.oid) FROM pg_extension x), \
        (SELECT string_agg(m::text, ',' ORDER BY m.oid) FROM pg_largeobject_metadata m), \
        (SELECT string_agg(r.rolname || r.rolsuper::text, ',' ORDER BY r.oid) FROM pg_roles r), \
        (SELECT string_agg(a::text, ',' ORDER BY a.roleid, a.member) FROM pg_auth_members a)))";
    c.query_one(q, &[]).unwrap().get(0)
}

/// One test, not two: server-wide objects (roles) planted by one would show
/// in the other's audit if they ran in parallel.
#[test]
fn postgres_clean_then_backdoored() {
    let Some(mut root) = admin("postgres") else {
        return;
    };
    clean_database_has_no_medium_finding(&mut root);
    hostile_catalog_is_escaped_and_bounded(&mut root);
    let tag = format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000_000
    );
    let db = format!("ferret_t_{tag}");
    let role = format!("ferret_r_{tag}");
    root.batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    root.batch_execute(&format!("CREATE ROLE {role}")).unwrap();
    root.batch_execute(&format!("GRANT pg_execute_server_program TO {role}"))
        .unwrap();
    let result = std::panic::catch_unwind(|| plant_and_audit(&db, &role));
    let _ = root.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    let _ = root.batch_execute(&format!("DROP ROLE IF EXISTS {role}"));
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

fn plant_and_audit(db: &str, role: &str) {
    let mut c = admin(db).unwrap();
    let has_plpython = c.batch_execute("CREATE EXTENSION plpython3u").is_ok();
    if !has_plpython {
        eprintln!("note: plpython3u is not installed here (apt-get install postgresql-plpython3-15); its checks are skipped");
    }
    // A C function bound by absolute path rather than $libdir (PostgreSQL
    // loads the library at CREATE time, so point at one that exists).
    let pkglib: String = c
        .query_one(
            "SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'",
            &[],
        )
        .unwrap()
        .get(0);
    c.batch_execute(&format!(
        "CREATE FUNCTION public.sys_exec() RETURNS language_handler AS '{pkglib}/plpgsql.so', 'plpgsql_call_handler' LANGUAGE c"
    ))
    .unwrap();
    c.batch_execute(
        "SET check_function_bodies = off;
         CREATE FUNCTION public.run_copy(cmd text) RETURNS void LANGUAGE plpgsql AS
           $$BEGIN EXECUTE 'COPY t FROM PROGRAM ' || quote_literal(cmd); END$$;
         CREATE FUNCTION public.copy_literal() RETURNS void LANGUAGE plpgsql AS
           $$BEGIN COPY pg_catalog.pg_class TO PROGRAM 'id'; END$$;
         CREATE FUNCTION public.\"evil\nname\x1b[2J\"() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
         CREATE FUNCTION public.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN NULL; END$$;
         CREATE EVENT TRIGGER ferret_evt ON ddl_command_end EXECUTE FUNCTION public.on_ddl();
         CREATE FUNCTION public.harmless(a int) RETURNS int LANGUAGE sql AS 'SELECT a + 1';
         SELECT lo_from_bytea(0, '\\x7f454c460201010000'::bytea);",
    )
    .unwrap();
    if has_plpython {
        c.batch_execute(
            "CREATE FUNCTION public.py_exec(cmd text) RETURNS text LANGUAGE plpython3u AS
               $$import os
return os.popen(cmd).read()$$;
             CREATE TABLE public.audit_me(x int);
             CREATE FUNCTION public.py_trig() RETURNS trigger LANGUAGE plpython3u AS $$return None$$;
             CREATE TRIGGER t_py BEFORE INSERT ON public.audit_me FOR EACH ROW EXECUTE FUNCTION public.py_trig();",
        )
        .unwrap();
    }
    let before = catalog_hash(&mut c);
    let out = ferret()
        .args([
            "audit-db",
            &url(),
            "--database",
            db,
            "--format",
            "jsonl",
            "-q",
            "--min-severity",
            "low",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(before, catalog_hash(&mut c), "the audit changed a catalog");

    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let stdout = String::from_utf8(out.stdout).unwrap();
    for line in stdout.lines() {
        let f: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(f["subject"]["kind"], "db_object");
        assert!(
            !line.contains('\u{1b}'),
            "unescaped terminal escape: {line}"
        );
        let name = f["subject"]["name"].as_str().unwrap().to_string();
        let rules = f["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["rule"].as_str().unwrap().to_string())
            .collect();
        got.insert(name, rules);
    }
    let want = |name: &str, rules: &[&str]| {
        assert_eq!(
            got.get(name)
                .map(|v| v.iter().map(String::as_str).collect::<Vec<_>>()),
            Some(rules.to_vec()),
            "{name}: {got:#?}"
        );
    };
    want("sys_exec", &["pg.c_function_outside_libdir"]);
    want(
        "run_copy",
        &["pg.copy_program_in_body", "pg.dynamic_execute"],
    );
    want("copy_literal", &["pg.copy_program_in_body"]);
    want("ferret_evt", &["pg.event_trigger"]);
    want(role, &["pg.server_program_role"]);
    assert!(
        got.keys().any(|k| k.chars().all(|c| c.is_ascii_digit())),
        "large object with an ELF image: {got:#?}"
    );
    assert!(!got.contains_key("harmless"));
    assert!(
        got.keys().any(|k| k.starts_with("evil\\n")),
        "hostile name escaped: {got:#?}"
    );
    if has_plpython {
        want(
            "py_exec",
            &["pg.untrusted_language_function", "pg.os_command_in_body"],
        );
        want("audit_me.t_py", &["pg.trigger_untrusted_function"]);
        want("py_trig", &["pg.untrusted_language_function"]);
        want("plpython3u", &["pg.untrusted_language_installed"]);
    }
    // TLS when the URL asks for it: this server offers it (Debian's snakeoil
    // certificate), and `sslmode=require` must then work, never downgrade.
    let tls = ferret()
        .args([
            "audit-db",
            &format!("{}/{db}?sslmode=require", url()),
            "--database",
            db,
            "--format",
            "jsonl",
            "-q",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&tls.stderr);
    if stderr.contains("server does not support TLS") {
        eprintln!("note: this PostgreSQL has no TLS; the TLS check was skipped");
    } else {
        assert_eq!(tls.status.code(), Some(1), "{stderr}");
    }
    // Credentials never printed, even on failure.
    let bad = ferret()
        .args([
            "audit-db",
            "postgres://postgres:hunter2@127.0.0.1:1/x",
            "--connect-timeout",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&bad.stdout),
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(!all.contains("hunter2"), "{all}");
}

fn clean_database_has_no_medium_finding(root: &mut postgres::Client) {
    let db = format!("ferret_c_{}", std::process::id());
    root.batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .unwrap();
    root.batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    let out = ferret()
        .args([
            "audit-db",
            &url(),
            "--database",
            &db,
            "--format",
            "jsonl",
            "-q",
        ])
        .output()
        .unwrap();
    let _ = root.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

/// A `SQL_ASCII` database lets a name hold bytes that are not UTF-8; the body
/// is 2 MB. The audit must neither crash nor print them raw or whole.
fn hostile_catalog_is_escaped_and_bounded(root: &mut postgres::Client) {
    let db = format!("ferret_h_{}", std::process::id());
    root.batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .unwrap();
    root.batch_execute(&format!(
        "CREATE DATABASE {db} ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    ))
    .unwrap();
    let mut c = admin(&db).unwrap();
    c.batch_execute(
        r"DO $$ BEGIN EXECUTE 'CREATE FUNCTION public.' ||
            quote_ident(convert_from('\x6261641b5b324aff0a6e616d65'::bytea, 'SQL_ASCII')) ||
            '() RETURNS void LANGUAGE plpgsql AS ' ||
            quote_literal('BEGIN COPY pg_class TO PROGRAM ''id''; ' || repeat('-- padding' || chr(10), 200000) || 'END');
          END $$;",
    )
    .unwrap();
    drop(c);
    let out = ferret()
        .args([
            "audit-db",
            &url(),
            "--database",
            &db,
            "--format",
            "jsonl",
            "-q",
            "--min-severity",
            "medium",
        ])
        .output()
        .unwrap();
    let _ = root.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    let stdout = String::from_utf8(out.stdout).expect("output is UTF-8");
    let line = stdout
        .lines()
        .find(|l| l.contains("\"database\":\"ferret_h_"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.len() < 8_000, "unbounded output: {} bytes", line.len());
    assert!(
        !line.contains('\u{1b}') && !line.contains("\\u001b"),
        "{line}"
    );
    let f: serde_json::Value = serde_json::from_str(line).unwrap();
    assert!(
        f["subject"]["name"]
            .as_str()
            .unwrap()
            .starts_with("bad\\x1b[2J"),
        "{line}"
    );
    assert_eq!(f["evidence"][0]["rule"], "pg.copy_program_in_body");
    // Table output too: one line per record, no raw escape.
    let table = ferret()
        .args(["audit-db", &url(), "--database", &db])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&table.stdout).contains('\u{1b}'));
}

/// Redis 7 protects `dir` and `dbfilename` at run time, so the backdoored
/// configuration is planted in a second, scratch `redis-server` started for
/// this test (on a free loopback port, nothing saved), then audited.
#[test]
fn redis_dump_pointed_at_a_web_root() {
    let Ok(server) = which_redis() else {
        eprintln!("skipped: redis-server not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("var/www/html");
    std::fs::create_dir_all(&www).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(server)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(&www)
        .args(["--dbfilename", "shell.php", "--logfile", ""])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("redis://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = up.then(|| {
        ferret()
            .args(["audit-db", &url, "--format", "jsonl", "-q"])
            .output()
            .unwrap()
    });
    let _ = child.kill();
    let _ = child.wait();
    let out = out.expect("scratch redis-server did not start");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rules: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["evidence"][0]["rule"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(rules.len(), 2, "{rules:?}");
    assert!(
        rules.contains(&"redis.dir_write_target".to_string())
            && rules.contains(&"redis.dbfilename_script".to_string())
    );
    // The shared server on 6379 (if any) is left as it is and, stock, yields nothing.
    let stock = ferret()
        .args([
            "audit-db",
            "redis://127.0.0.1:6379",
            "--format",
            "jsonl",
            "-q",
        ])
        .output()
        .unwrap();
    if stock.status.code() != Some(2) {
        assert!(
            stock.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&stock.stdout)
        );
    }
}

fn which_redis() -> Result<std::path::PathBuf, ()> {
    [
        "/usr/bin/redis-server",
        "/usr/local/bin/redis-server",
        "/usr/sbin/redis-server",
    ]
    .iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.exists())
    .ok_or(())
}

fn mysql_url() -> String {
    std::env::var("FERRET_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

/// MariaDB/MySQL: a UDF row of the lib_mysqludf_sys family, another UDF, a
/// procedure writing a file, a trigger reading one and an event calling the
/// UDF, all in a scratch database; exact rules, catalogs unchanged.
#[test]
fn mysql_backdoors_are_found_exactly_and_nothing_changes() {
    use mysql::prelude::Queryable;
    let mut c = match mysql::Conn::new(mysql::Opts::from_url(&mysql_url()).unwrap()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "skipped: MariaDB/MySQL not reachable at {} ({e})",
                mysql_url()
            );
            return;
        }
    };
    let tag = std::process::id();
    let db = format!("ferret_t_{tag}");
    let udf = format!("ferret_udf_{tag}");
    c.query_drop(format!("CREATE DATABASE {db}")).unwrap();
    let planted = (|| -> Result<(), mysql::Error> {
        c.query_drop(format!("INSERT INTO mysql.func VALUES ('sys_exec', 2, 'lib_mysqludf_sys.so', 'function'), ('{udf}', 0, 'evil_{tag}.so', 'function')"))?;
        c.query_drop(format!("CREATE TABLE {db}.t (x TEXT)"))?;
        c.query_drop(format!("CREATE DEFINER=`root`@`localhost` PROCEDURE {db}.drop_lib() SQL SECURITY DEFINER SELECT 0x7f454c46 INTO DUMPFILE '/tmp/ferret_{tag}.so'"))?;
        c.query_drop(format!("CREATE TRIGGER {db}.t_read BEFORE INSERT ON {db}.t FOR EACH ROW SET NEW.x = LOAD_FILE('/etc/hostname')"))?;
        c.query_drop(format!(
            "CREATE EVENT {db}.e_run ON SCHEDULE EVERY 1 DAY DO SELECT sys_exec('id')"
        ))?;
        c.query_drop(format!("CREATE PROCEDURE {db}.harmless() SELECT 1"))?;
        Ok(())
    })();
    let hash = |c: &mut mysql::Conn| -> String {
        c.query_first::<String, _>(format!(
            "SELECT MD5(CONCAT_WS('|', (SELECT GROUP_CONCAT(name, dl ORDER BY name) FROM mysql.func), \
             (SELECT GROUP_CONCAT(ROUTINE_NAME, LAST_ALTERED ORDER BY ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{db}'), \
             (SELECT GROUP_CONCAT(TRIGGER_NAME ORDER BY TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{db}'), \
             (SELECT GROUP_CONCAT(EVENT_NAME, LAST_ALTERED ORDER BY EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '{db}'), \
             (SELECT GROUP_CONCAT(PLUGIN_NAME, PLUGIN_STATUS ORDER BY PLUGIN_NAME) FROM information_schema.PLUGINS)))"
        ))
        .unwrap()
        .unwrap_or_default()
    };
    let result = planted.map(|_| {
        let before = hash(&mut c);
        let out = ferret()
            .args([
                "audit-db",
                &mysql_url(),
                "--database",
                &db,
                "--format",
                "jsonl",
                "-q",
                "--min-severity",
                "low",
            ])
            .output()
            .unwrap();
        (before, out)
    });
    let after = hash(&mut c);
    let _ = c.query_drop(format!("DROP DATABASE {db}"));
    let _ = c.query_drop(format!(
        "DELETE FROM mysql.func WHERE name IN ('sys_exec', '{udf}')"
    ));
    let (before, out) = result.unwrap();
    assert_eq!(before, after, "the audit changed a catalog");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let f: serde_json::Value = serde_json::from_str(line).unwrap();
        let rules = f["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["rule"].as_str().unwrap().to_string())
            .collect();
        got.insert(f["subject"]["name"].as_str().unwrap().to_string(), rules);
    }
    let want = |name: &str, rules: &[&str]| {
        assert_eq!(
            got.get(name)
                .map(|v| v.iter().map(String::as_str).collect::<Vec<_>>()),
            Some(rules.to_vec()),
            "{name}: {got:#?}"
        );
    };
    want("sys_exec", &["mysql.command_udf"]);
    want(&udf, &["mysql.udf"]);
    want(
        "drop_lib",
        &["mysql.routine_file_or_udf", "mysql.root_definer"],
    );
    want("t_read", &["mysql.routine_file_or_udf"]);
    want("e_run", &["mysql.routine_file_or_udf"]);
    // TLS asked for and not offered: an error, never a plain-text fallback.
    let tls = ferret()
        .args([
            "audit-db",
            &format!("{}?ssl-mode=REQUIRED", mysql_url()),
            "-q",
        ])
        .output()
        .unwrap();
    let have_ssl: Option<String> = mysql::Conn::new(mysql::Opts::from_url(&mysql_url()).unwrap())
        .and_then(|mut c| c.query_first("SELECT @@have_ssl"))
        .unwrap_or(None);
    if have_ssl.as_deref() != Some("YES") {
        assert_eq!(tls.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&tls.stderr).contains("secure connection"));
    }
    // Created by root, so it runs as root (a low note), and nothing more.
    want("harmless", &["mysql.root_definer"]);
}

#[test]
fn passwords_are_never_printed_by_any_engine() {
    let out = ferret()
        .args([
            "audit-db",
            "postgres://u:hunter2@127.0.0.1:1/x",
            "mysql://root:hunter2@127.0.0.1:1/x",
            "redis://:hunter2@127.0.0.1:1",
            "--connect-timeout",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for shown in [
        "postgres://u@127.0.0.1:1/x",
        "mysql://root@127.0.0.1:1/x",
        "redis://127.0.0.1:1",
    ] {
        assert!(all.contains(shown), "{shown} missing from: {all}");
    }
    assert!(!all.contains("hunter2"), "{all}");
}
