//! The live process source on fixture proc trees (parser edge cases) and on
//! real processes this test starts (ancestry, deleted and memfd mappings,
//! sockets).

use ferret_collect::live::maps::Backing;
use ferret_collect::live::net::{Proto, SockState};
use ferret_collect::live::{snapshot, LiveOptions, Selection, Snapshot};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn put(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn stat_line(pid: u32, comm: &[u8], ppid: u32, flags: u32, start: u64) -> Vec<u8> {
    let mut v = format!("{pid} (").into_bytes();
    v.extend_from_slice(comm);
    v.extend_from_slice(
        format!(") S {ppid} {pid} {pid} 0 -1 {flags} 0 0 0 0 0 0 0 0 20 0 1 0 {start} 0 0 0\n")
            .as_bytes(),
    );
    v
}

fn snap(root: &Path, sel: Selection) -> Snapshot {
    snapshot(&LiveOptions {
        proc_root: root.to_path_buf(),
        selection: sel,
    })
    .unwrap()
}

#[cfg(target_endian = "little")]
#[test]
fn fixture_tree_edge_cases() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    put(r, "stat", b"cpu 1 2 3\nbtime 1700000000\n");
    put(r, "1/stat", &stat_line(1, b"init", 0, 0x100, 5));
    put(r, "1/cmdline", b"/sbin/init\0");
    put(r, "2/stat", &stat_line(2, b"kthreadd", 0, 0x0020_8040, 3));
    put(r, "2/cmdline", b"");
    // A worker whose name holds a space, parentheses, a newline and a non-UTF-8 byte.
    let odd: &[u8] = b"ph) (p\n\xff";
    put(r, "100/stat", &stat_line(100, odd, 1, 0x100, 1000));
    put(r, "100/status", b"Name:\tx\nUid:\t33\t33\t33\t33\n");
    put(r, "100/cmdline", b"");
    put(
        r,
        "100/maps",
        b"00400000-00401000 r-xp 00000000 08:01 11 /tmp/a b.so (deleted)\n\
          00500000-00501000 r-xp 00000000 00:01 12 /memfd:x (deleted)\n\
          00600000-00601000 rw-p 00000000 00:00 0 \n\
          7ffd0000-7ffd1000 rw-p 00000000 00:00 0                          [stack]\n",
    );
    std::fs::create_dir_all(r.join("100/fd")).unwrap();
    symlink("socket:[555]", r.join("100/fd/3")).unwrap();
    symlink("pipe:[556]", r.join("100/fd/4")).unwrap();
    symlink("/tmp/gone (deleted)", r.join("100/exe")).unwrap();
    symlink("/var/www", r.join("100/cwd")).unwrap();
    put(
        r,
        "net/tcp",
        b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
           0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 554 1 0\n\
           1: 0100007F:D431 0200007F:115C 01 00000000:00000000 00:00000000 00000000    33        0 555 1 0\n",
    );
    // A process with a broken stat: one error, the rest is read.
    put(r, "200/stat", b"200 no parentheses here\n");

    let s = snap(r, Selection::Trees(vec![100]));
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert!(s.errors[0].to_string().contains("200"));
    assert!(s.processes[&2].kernel_thread && !s.processes[&100].kernel_thread);
    assert!(s.processes[&2].cmdline.is_empty() && s.processes[&100].cmdline.is_empty());
    let p = &s.processes[&100];
    assert_eq!(p.comm, odd);
    assert_eq!((p.ppid, p.uid, p.start_ticks), (1, Some(33), 1000));
    assert!(p.started_unix.unwrap() >= 1_700_000_000);
    let chain: Vec<u32> = s.ancestry(100).iter().map(|p| p.pid).collect();
    assert_eq!(chain, vec![1, 100]);
    let d = p.detail.as_ref().expect("selected");
    assert_eq!(d.exe, Some(Backing::Deleted(b"/tmp/gone".to_vec())));
    assert_eq!(d.cwd.as_deref(), Some(&b"/var/www"[..]));
    let backings: Vec<&Backing> = d.maps.iter().map(|m| &m.backing).collect();
    assert_eq!(
        backings,
        vec![
            &Backing::Deleted(b"/tmp/a b.so".to_vec()),
            &Backing::Memfd(b"x".to_vec()),
            &Backing::Anonymous,
            &Backing::Special(b"[stack]".to_vec()),
        ]
    );
    assert_eq!(d.sockets.len(), 1);
    let sock = &d.sockets[0];
    assert_eq!(
        (sock.proto, sock.state),
        (Proto::Tcp, SockState::Established)
    );
    assert_eq!(sock.remote, "127.0.0.2:4444".parse().unwrap());
    assert!(!sock.local_port_listening);
    // Only the selected tree has details.
    assert!(s.processes[&1].detail.is_none());
    assert_eq!(s.selected().count(), 1);
}

#[test]
fn a_missing_proc_root_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    assert!(snapshot(&LiveOptions {
        proc_root: t.path().join("nope"),
        selection: Selection::All,
    })
    .is_err());
}

/// A child that prints one line when it is ready, then waits on stdin.
fn spawn_ready(mut cmd: Command) -> Child {
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

fn finish(mut child: Child) {
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn real_tree_with_a_deleted_executable() {
    let t = tempfile::tempdir().unwrap();
    let sh = t.path().join("php-fpm");
    std::fs::copy("/bin/sh", &sh).unwrap();
    let mut cmd = Command::new(&sh);
    cmd.args(["-c", "sleep 30 & echo ready; read x"]);
    let child = spawn_ready(cmd);
    std::fs::remove_file(&sh).unwrap();
    // The shell says "ready" right after forking the background child, which
    // may not have run `sleep` yet: read again until it has (bounded).
    let mut s = snap(Path::new("/proc"), Selection::Trees(vec![child.id()]));
    for _ in 0..100 {
        let slept = s
            .selected()
            .any(|k| k.ppid == child.id() && k.cmdline.first().is_some_and(|a| a == b"sleep"));
        if slept {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        s = snap(Path::new("/proc"), Selection::Trees(vec![child.id()]));
    }
    let p = &s.processes[&child.id()];
    assert_eq!(p.comm, b"php-fpm");
    assert_eq!(p.ppid, std::process::id());
    let d = p.detail.as_ref().unwrap();
    let want = sh.as_os_str().as_encoded_bytes().to_vec();
    assert_eq!(d.exe, Some(Backing::Deleted(want.clone())));
    assert!(d
        .maps
        .iter()
        .any(|m| m.perms.exec && m.backing == Backing::Deleted(want.clone())));
    let kids: Vec<&ferret_collect::live::Process> =
        s.selected().filter(|k| k.ppid == child.id()).collect();
    assert_eq!(kids.len(), 1, "the sleep child is selected with its parent");
    assert_eq!(kids[0].cmdline, vec![b"sleep".to_vec(), b"30".to_vec()]);
    let chain: Vec<u32> = s.ancestry(kids[0].pid).iter().map(|p| p.pid).collect();
    assert!(chain.ends_with(&[std::process::id(), child.id(), kids[0].pid]));
    // The test process itself is not in the selected tree.
    assert!(s.processes[&std::process::id()].detail.is_none());
    finish(child);
}

/// This test process maps a memfd copy of /bin/true executable and reads
/// itself: the mapping is seen as memfd-backed and executable.
#[test]
fn real_memfd_executable_mapping() {
    let code = std::fs::read("/bin/true").unwrap();
    let (fd, p) = unsafe {
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
        (fd, p)
    };
    let s = snap(
        Path::new("/proc"),
        Selection::Trees(vec![std::process::id()]),
    );
    let d = s.processes[&std::process::id()].detail.as_ref().unwrap();
    assert!(
        d.maps
            .iter()
            .any(|m| m.perms.exec && m.backing == Backing::Memfd(b"payload".to_vec())),
        "{:?}",
        d.maps
    );
    unsafe {
        libc::munmap(p, code.len());
        libc::close(fd);
    }
}

#[test]
fn real_sockets_know_their_direction() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let out = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (inbound, _) = l.accept().unwrap();
    let s = snap(
        Path::new("/proc"),
        Selection::Trees(vec![std::process::id()]),
    );
    let d = s.processes[&std::process::id()].detail.as_ref().unwrap();
    let find = |local: std::net::SocketAddr| {
        d.sockets
            .iter()
            .find(|k| k.local == local)
            .unwrap_or_else(|| panic!("{local} not among {:?}", d.sockets))
    };
    let o = find(out.local_addr().unwrap());
    assert_eq!(o.state, SockState::Established);
    assert_eq!(o.remote.port(), port);
    assert!(!o.local_port_listening);
    let i = find(inbound.local_addr().unwrap());
    assert!(i.local_port_listening);
    assert!(d
        .sockets
        .iter()
        .any(|k| k.state == SockState::Listen && k.local.port() == port));
    drop((out, inbound, l));
}
