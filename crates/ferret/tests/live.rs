//! `ferret scan --live` on real process trees this test starts: copies of
//! /bin/sh named like server workers, shells and renamed recon tools below
//! them, outbound connections, deleted and memfd-backed code. Every run is
//! restricted to the test's own tree with --live-pid, so the machine's other
//! processes cannot change the result.

use crate::util::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A copy of `src` named `name` in `dir`.
fn copy_as(dir: &Path, src: &str, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::copy(src, &p).unwrap();
    p
}

/// Starts `cmd`, waits for it to print `ready`.
fn spawn_ready(cmd: &mut Command) -> Child {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // The test harness prints its own lines first when it is the child.
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 && !line.contains("ready") {
        line.clear();
    }
    assert!(line.contains("ready"), "child said {line:?}");
    child
}

/// Ends the child and its tree (the shells exit when stdin closes; their
/// sleeping children are killed through the process group).
fn finish(mut child: Child) {
    drop(child.stdin.take());
    unsafe {
        libc::kill(-(child.id() as i32), libc::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A shell copy named `name` running `script` in its own process group.
fn server(dir: &Path, name: &str, shell: &str, script: &str, args: &[&str]) -> Child {
    let exe = copy_as(dir, shell, name);
    let mut cmd = Command::new(exe);
    cmd.arg("-c").arg(script).arg(name).args(args);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    spawn_ready(&mut cmd)
}

/// A site file that allows the temp dir's binaries as mapped code (they are
/// copies no package owns), plus `extra`.
fn site(dir: &Path, extra: &str) -> PathBuf {
    let p = dir.join("site.toml");
    let exe_dir = std::env::current_exe().unwrap();
    let text = format!(
        "module_allow = [{:?}, {:?}]\n{extra}",
        format!("{}/**", dir.display()),
        format!(
            "{}/**",
            exe_dir.parent().unwrap().parent().unwrap().display()
        ),
    );
    std::fs::write(&p, text).unwrap();
    p
}

fn live(pid: u32, site: &Path, format: &str) -> (Vec<u8>, i32) {
    let out = ferret()
        .args([
            "scan",
            "--live",
            "-q",
            "--min-severity",
            "low",
            "--format",
            format,
        ])
        .args(["--live-pid", &pid.to_string()])
        .arg("--live-config")
        .arg(site)
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, out.status.code().unwrap())
}

fn live_jsonl(pid: u32, site: &Path) -> (Vec<Value>, i32) {
    let (out, code) = live(pid, site, "jsonl");
    let f = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (f, code)
}

fn names(f: &Value) -> Vec<String> {
    f["subject"]["ancestry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect()
}

fn rules(f: &Value) -> Vec<String> {
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn shell_and_recon_tool_below_a_php_fpm_worker() {
    let t = tempfile::tempdir().unwrap();
    let id = copy_as(t.path(), "/bin/sleep", "id");
    let inner = format!("{} 30; true", id.display());
    let child = server(
        t.path(),
        "php-fpm",
        "/bin/sh",
        r#"/bin/sh -c "$1" & echo ready; read x"#,
        &[&inner],
    );
    let cfg = site(t.path(), "");
    // The recon child may still be starting: wait until /proc shows it.
    for _ in 0..200 {
        let found = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| {
                std::fs::read(e.path().join("comm")).is_ok_and(|c| c == b"id\n")
                    && std::fs::read_to_string(e.path().join("cmdline"))
                        .is_ok_and(|c| c.contains(&t.path().display().to_string()))
            });
        if found {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (f, code) = live_jsonl(child.id(), &cfg);
    assert_eq!(code, 1, "{f:#?}");
    assert_eq!(f.len(), 2, "{f:#?}");
    let sh = f.iter().find(|x| x["subject"]["name"] == "sh").unwrap();
    let rc = f.iter().find(|x| x["subject"]["name"] == "id").unwrap();
    // The whole chain from init down; the test's own tree is its tail.
    assert!(
        names(sh).ends_with(&["php-fpm".into(), "sh".into()]),
        "{sh:#?}"
    );
    assert!(names(rc).ends_with(&["php-fpm".into(), "sh".into(), "id".into()]));
    let chain = sh["subject"]["ancestry"].as_array().unwrap();
    assert_eq!(chain[chain.len() - 2]["pid"], child.id());
    assert_eq!(chain[chain.len() - 3]["pid"], std::process::id());
    assert_eq!(sh["technique"], "T1505.003");
    assert_eq!(sh["rule"], "ferret.live.lineage");
    assert_eq!(sh["severity"], "critical");
    assert_eq!(
        rules(sh),
        ["live.shell_under_server", "live.shell_runs_recon"]
    );
    assert_eq!(rc["severity"], "high");
    assert_eq!(rules(rc), ["live.recon_under_server"]);
    assert_eq!(rc["subject"]["kind"], "process");
    assert!(rc["subject"]["started"].as_str().unwrap().ends_with('Z'));
    // Same processes, same ids.
    let (again, _) = live_jsonl(child.id(), &cfg);
    let ids = |v: &[Value]| {
        let mut i: Vec<String> = v.iter().map(|x| x["id"].as_str().unwrap().into()).collect();
        i.sort();
        i
    };
    assert_eq!(ids(&f), ids(&again));
    finish(child);
}

#[test]
fn a_server_running_only_a_worker_binary_gives_nothing() {
    let t = tempfile::tempdir().unwrap();
    let w = copy_as(t.path(), "/bin/sleep", "worker");
    let child = server(
        t.path(),
        "nginx",
        "/bin/sh",
        r#""$1" 30 & echo ready; read x"#,
        &[w.to_str().unwrap()],
    );
    let (f, code) = live_jsonl(child.id(), &site(t.path(), ""));
    assert_eq!((f.len(), code), (0, 0), "{f:#?}");
    finish(child);
}

#[test]
fn outbound_connection_to_an_unusual_peer() {
    let l = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let t = tempfile::tempdir().unwrap();
    let script = format!("exec 3<>/dev/tcp/127.0.0.2/{port}; echo ready; read x");
    let child = server(t.path(), "php-fpm", "/bin/bash", &script, &[]);
    let (_conn, _) = l.accept().unwrap();
    let (f, code) = live_jsonl(child.id(), &site(t.path(), ""));
    assert_eq!(code, 1, "{f:#?}");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule"], "ferret.live.outbound");
    assert_eq!(f[0]["severity"], "medium");
    let ex = f[0]["evidence"][0]["excerpt"].as_str().unwrap();
    assert!(ex.contains(&format!("127.0.0.2:{port}")), "{ex}");
    // The site names that peer as usual: nothing.
    let allowed = site(
        t.path(),
        &format!(
            "[[peer]]\ncidrs = [\"127.0.0.2/32\"]\nports = [{port}]\nreason = \"test back end\"\n"
        ),
    );
    let (f, code) = live_jsonl(child.id(), &allowed);
    assert_eq!((f.len(), code), (0, 0), "{f:#?}");
    finish(child);
}

#[test]
fn deleted_executable_mapped_into_a_server_worker() {
    let t = tempfile::tempdir().unwrap();
    let child = server(t.path(), "nginx", "/bin/sh", "echo ready; read x", &[]);
    let exe = t.path().join("nginx");
    std::fs::remove_file(&exe).unwrap();
    // No allowance for the temp dir: the deleted copy is what must be found.
    let cfg = t.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let (f, code) = live_jsonl(child.id(), &cfg);
    assert_eq!(code, 1, "{f:#?}");
    let m: Vec<&Value> = f
        .iter()
        .filter(|x| x["rule"] == "ferret.live.module")
        .collect();
    assert_eq!(m.len(), 1, "{f:#?}");
    assert_eq!(rules(m[0])[0], "live.deleted_unowned");
    assert_eq!(m[0]["severity"], "high");
    let shown = format!("{} (deleted)", exe.display());
    assert_eq!(m[0]["subject"]["path"], shown.as_str());
    assert_eq!(m[0]["evidence"][0]["excerpt"], shown.as_str());
    finish(child);
}

const MEMFD_CHILD: &str = "FERRET_LIVE_MEMFD_CHILD";

/// Run in a re-executed copy of this test binary: names itself redis-server,
/// maps a memfd copy of /bin/true executable, says ready, waits.
#[test]
fn memfd_child() {
    if std::env::var_os(MEMFD_CHILD).is_none() {
        return;
    }
    let code = std::fs::read("/bin/true").unwrap();
    unsafe {
        let fd = libc::memfd_create(c"payload".as_ptr(), 0);
        assert!(fd >= 0);
        assert_eq!(
            libc::write(fd, code.as_ptr().cast(), code.len()),
            code.len() as isize
        );
        let p = libc::mmap(
            std::ptr::null_mut(),
            code.len(),
            libc::PROT_READ | libc::PROT_EXEC,
            libc::MAP_PRIVATE,
            fd,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED);
        libc::prctl(libc::PR_SET_NAME, c"redis-server".as_ptr());
    }
    // The harness runs tests on a thread: name the process's leader too.
    std::fs::write("/proc/self/comm", "redis-server").unwrap();
    println!("ready");
    std::io::stdout().flush().unwrap();
    let mut s = String::new();
    let _ = std::io::stdin().read_line(&mut s);
    std::process::exit(0);
}

#[test]
fn memfd_code_in_a_redis_server() {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "live::memfd_child",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .env(MEMFD_CHILD, "1");
    let child = spawn_ready(&mut cmd);
    let t = tempfile::tempdir().unwrap();
    let (f, code) = live_jsonl(child.id(), &site(t.path(), ""));
    assert_eq!(code, 1, "{f:#?}");
    let m: Vec<&Value> = f
        .iter()
        .filter(|x| rules(x).contains(&"live.memfd_exec".to_string()))
        .collect();
    assert_eq!(m.len(), 1, "{f:#?}");
    assert_eq!(m[0]["subject"]["name"], "redis-server");
    assert_eq!(m[0]["severity"], "critical");
    assert_eq!(m[0]["technique"], "T1505");
    assert_eq!(m[0]["evidence"][0]["excerpt"], "/memfd:payload (deleted)");
    finish(child);
}

#[test]
fn names_and_command_lines_are_escaped_in_every_format() {
    let t = tempfile::tempdir().unwrap();
    let id = copy_as(t.path(), "/bin/sleep", "id");
    let wrk = copy_as(t.path(), "/bin/sh", "\x1b[31mwrk");
    let inner = format!(
        "/bin/sh -c '{} 30 || echo \x1b[2J; true'; true",
        id.display()
    );
    let child = server(
        t.path(),
        "php-fpm",
        "/bin/sh",
        r#""$1" -c "$2" & echo ready; read x"#,
        &[wrk.to_str().unwrap(), &inner],
    );
    let cfg = site(t.path(), "");
    let mut f = Vec::new();
    for _ in 0..200 {
        (f, _) = live_jsonl(child.id(), &cfg);
        if f.len() >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sh = f
        .iter()
        .find(|x| x["subject"]["name"] == "sh")
        .expect("shell finding");
    let n = names(sh);
    assert_eq!(n[n.len() - 2], "\\x1b[31mwrk");
    assert!(sh["subject"]["cmdline"]
        .as_str()
        .unwrap()
        .contains("echo \\x1b[2J"));
    for format in ["jsonl", "table"] {
        let (out, _) = live(child.id(), &cfg, format);
        assert!(!out.contains(&0x1b), "raw escape in {format} output");
        assert!(
            String::from_utf8_lossy(&out).contains("\\x1b[31mwrk"),
            "{format}"
        );
    }
    finish(child);
}
