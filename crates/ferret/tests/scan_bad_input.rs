//! Bad input gets a per-item note and the scan goes on.

use crate::util::*;

#[cfg(unix)]
#[test]
fn hostile_names_cannot_forge_output() {
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"x\n== CRITICAL (9) ==\x1b[2J\xff.php");
    std::fs::write(d.path().join(name), SHELL).unwrap();
    let out = ferret()
        .args(["scan", d.path().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'));
    assert!(
        !text.lines().any(|l| l.starts_with("== CRITICAL (9)")),
        "{text}"
    );
    assert!(
        text.contains("\\n== CRITICAL (9) ==\\x1b[2J\\xff.php"),
        "{text}"
    );
    let (f, _, _) = scan_jsonl(&[d.path().to_str().unwrap()]);
    assert!(f[0]["subject"]["path"]
        .as_str()
        .unwrap()
        .ends_with("x\\n== CRITICAL (9) ==\\x1b[2J\\xff.php"));
}

#[cfg(unix)]
#[test]
fn fifos_symlink_loops_junk_and_deep_trees() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // FIFO named like a script: skipped, never opened (would block).
    let fifo = std::ffi::CString::new(p.join("pipe.php").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc_mkfifo(fifo.as_ptr()) }, 0);
    // Symlink loop and a symlink out of the tree.
    std::fs::create_dir(p.join("loop")).unwrap();
    std::os::unix::fs::symlink(p, p.join("loop/up")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", p.join("out.php")).unwrap();
    // Binary junk named .php.
    let junk: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    write(p, "junk.php", &junk);
    // A deep tree with a shell at the bottom.
    let deep: String = (0..120).map(|i| format!("d{i}/")).collect();
    write(p, &format!("{deep}s.php"), SHELL);
    // A file over the size cap.
    write(p, "big.php", &vec![b'a'; 2 << 20]);
    let out = ferret()
        .args([
            "scan",
            p.to_str().unwrap(),
            "--format",
            "jsonl",
            "--max-size",
            "1",
            "-v",
        ])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("s.php"));
    assert!(stderr.contains("not a regular file"), "{stderr}");
    assert!(stderr.contains("symbolic link, not followed"), "{stderr}");
    assert!(stderr.contains("too large"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "skips are not errors: {stderr}");
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_an_error_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let locked = write(d.path(), "locked.php", SHELL);
    write(d.path(), "s.php", SHELL);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        eprintln!("skipped: running with privileges that read mode-000 files (root)");
        return;
    }
    let (f, code, err) = scan_jsonl(&[d.path().to_str().unwrap()]);
    assert_eq!(f.len(), 1);
    assert_eq!(code, 2);
    assert!(err.contains("locked.php"), "{err}");
}

extern "C" {
    #[link_name = "mkfifo"]
    fn libc_mkfifo_raw(path: *const std::ffi::c_char, mode: u32) -> i32;
}

unsafe fn libc_mkfifo(path: *const std::ffi::c_char) -> i32 {
    // SAFETY: caller passes a valid NUL-terminated path.
    unsafe { libc_mkfifo_raw(path, 0o600) }
}
