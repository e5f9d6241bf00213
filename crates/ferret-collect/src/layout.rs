//! Mounted images and triage collections: where the source system's paths are.
//!
//! With `--root DIR`, `DIR` holds a copy of another system: a mounted disk
//! image (`DIR/var/www/...`), a KAPE collection (`DIR/C/inetpub/...`) or a
//! Velociraptor one (`DIR/uploads/auto/C%3A/inetpub/...`,
//! `DIR/uploads/ntfs/%5C%5C.%5CC%3A/...`). [`original_path`] gives a file's path
//! as it was on that system, for evidence and for matching path rules.

use std::path::{Component, Path, PathBuf};

/// The path a file had on the source system, given its path relative to the
/// collection root. Windows drives are recognised as `C`, `C:`, `C%3A` or
/// `%5C%5C.%5CC%3A` directory names anywhere in the path (so the collector's own
/// prefix, such as `uploads/auto/`, falls away); percent-escapes in the rest
/// are decoded. Any other path is taken as a Unix path below `/`.
pub fn original_path(relative: &Path) -> String {
    let parts: Vec<String> = relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    // The last drive-looking component wins: collectors nest their own folders first.
    if let Some((i, drive)) = parts
        .iter()
        .enumerate()
        .filter_map(|(i, p)| drive_letter(p).map(|d| (i, d)))
        .next_back()
    {
        let rest: Vec<String> = parts[i + 1..].iter().map(|p| percent_decode(p)).collect();
        return format!("{}:\\{}", drive, rest.join("\\"));
    }
    format!("/{}", parts.join("/"))
}

/// `C`, `C:`, `C%3A`, `\\.\C:` in its escaped forms → `C`. Only single letters
/// count as drives, so an ordinary folder named `C` inside a web root is
/// indistinguishable; collectors put drives at the top, and so does this check's caller.
fn drive_letter(name: &str) -> Option<char> {
    let decoded = percent_decode(name);
    let d = decoded.strip_prefix("\\\\.\\").unwrap_or(&decoded);
    let d = d.strip_suffix(':').unwrap_or(d);
    let mut chars = d.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Some(c.to_ascii_uppercase()),
        _ => None,
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Where the drives of a Windows system are inside `root`: `root` itself when
/// it holds `Windows/` (a mounted C: volume), else the KAPE and Velociraptor
/// drive folders (`C/`, `C%3A/`, `uploads/auto/C%3A/`,
/// `uploads/ntfs/%5C%5C.%5CC%3A/`). Returns `(letter, directory)` pairs, C first.
pub fn windows_drives(root: &Path) -> Vec<(char, PathBuf)> {
    let mut out: Vec<(char, PathBuf)> = Vec::new();
    if join_ci(root, "Windows").is_some_and(|p| p.is_dir()) {
        out.push(('C', root.to_path_buf()));
    }
    let mut parents = vec![root.to_path_buf()];
    for sub in ["uploads/auto", "uploads/ntfs", "uploads/file", "uploads"] {
        if let Some(p) = join_ci(root, sub) {
            parents.push(p);
        }
    }
    for parent in parents {
        let Ok(rd) = std::fs::read_dir(&parent) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            let Some(letter) = drive_letter(&name.to_string_lossy()) else {
                continue;
            };
            let dir = e.path();
            if dir.is_dir() && !out.iter().any(|(l, d)| *l == letter && *d == dir) {
                out.push((letter, dir));
            }
        }
    }
    out.sort_by_key(|(l, _)| (*l != 'C', *l));
    out
}

/// `base` joined with a relative path (`/` or `\` separated), matching each
/// component case-insensitively as Windows does (and percent-escaped as
/// collectors store it). `None` when some component does not exist.
pub fn join_ci(base: &Path, rel: &str) -> Option<PathBuf> {
    let mut cur = base.to_path_buf();
    for part in rel
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
    {
        if part == ".." {
            return None;
        }
        let direct = cur.join(part);
        if std::fs::symlink_metadata(&direct).is_ok() {
            cur = direct;
            continue;
        }
        let want = part.to_lowercase();
        let found = std::fs::read_dir(&cur).ok()?.flatten().find_map(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            (n.to_lowercase() == want || percent_decode(&n).to_lowercase() == want)
                .then(|| e.path())
        })?;
        cur = found;
    }
    Some(cur)
}

/// Expands the environment variables a Windows configuration uses in image
/// paths (`%windir%`, `%SystemRoot%`, `%ProgramFiles%`, `%ExchangeInstallPath%`,
/// `%IIS_BIN%`, ...) to their default values on a standard install. Unknown
/// variables are left as they are.
pub fn expand_windows_vars(path: &str, exchange_install: Option<&str>) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('%') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let var = &after[..end];
        let value = match var.to_ascii_lowercase().as_str() {
            "windir" | "systemroot" => Some("C:\\Windows".to_string()),
            "systemdrive" => Some("C:".to_string()),
            "programfiles" | "programw6432" => Some("C:\\Program Files".to_string()),
            "programfiles(x86)" => Some("C:\\Program Files (x86)".to_string()),
            "commonprogramfiles" => Some("C:\\Program Files\\Common Files".to_string()),
            "iis_bin" => Some("C:\\Program Files\\IIS Express".to_string()),
            "exchangeinstallpath" => Some(
                exchange_install
                    .unwrap_or("C:\\Program Files\\Microsoft\\Exchange Server\\V15\\")
                    .to_string(),
            ),
            _ => None,
        };
        match value {
            Some(v) => {
                // `%ExchangeInstallPath%` ends with a backslash and is followed by one in some files.
                let v = if v.ends_with('\\') && after[end + 1..].starts_with('\\') {
                    v.trim_end_matches('\\').to_string()
                } else {
                    v
                };
                out.push_str(&v);
            }
            None => {
                out.push('%');
                out.push_str(var);
                out.push('%');
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Finds a Windows path (`C:\Windows\System32\inetsrv\x.dll`, after
/// [`expand_windows_vars`]) inside `root` using [`windows_drives`]; `None`
/// when the drive or file is not in the collection.
pub fn resolve_windows(root: &Path, windows_path: &str) -> Option<PathBuf> {
    let p = windows_path.trim().trim_matches('"');
    let (letter, rest) = match p.as_bytes() {
        [d, b':', ..] if d.is_ascii_alphabetic() => (d.to_ascii_uppercase() as char, &p[2..]),
        _ => return None,
    };
    windows_drives(root)
        .into_iter()
        .filter(|(l, _)| *l == letter)
        .find_map(|(_, dir)| join_ci(&dir, rest))
}

/// A path of the examined system resolved inside the examined root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InRoot {
    /// The path under the root, with no symbolic link left on the way.
    pub path: PathBuf,
    /// Whether a `..` tried to climb above the root (it was held at the root,
    /// as the kernel holds `/..` at `/`).
    pub climbed_above_root: bool,
    /// Whether every component on the way existed.
    pub exists: bool,
}

/// Why a path could not be resolved inside the root.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// More symbolic links than the caller allows: a loop, most likely.
    #[error("more than {0} symbolic links (loop?)")]
    TooManyLinks(usize),
    /// A symbolic link that could not be read.
    #[error("{path}: {message}")]
    Link {
        /// The link.
        path: String,
        /// What the OS said.
        message: String,
    },
}

/// Resolves `sys`, a path on the examined system (absolute or relative to its
/// `/`), under `root` as if `root` were `/`: every symbolic link on the way is
/// read and followed inside `root` (an absolute target `/etc/x` is
/// `root/etc/x`), so the result holds no link that could lead out of `root`.
/// Missing components are kept as written (the result may not exist). At
/// most `max_links` links are followed.
pub fn resolve_in_root(root: &Path, sys: &str, max_links: usize) -> Result<InRoot, ResolveError> {
    fn parts(p: &Path) -> impl DoubleEndedIterator<Item = std::ffi::OsString> + '_ {
        p.components().filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
    }
    // Components still to walk, next one last.
    let mut todo: Vec<std::ffi::OsString> = parts(Path::new(sys)).rev().collect();
    let mut cur = root.to_path_buf();
    let (mut depth, mut links, mut climbed, mut exists) = (0usize, 0usize, false, true);
    while let Some(part) = todo.pop() {
        if part == ".." {
            if depth == 0 {
                climbed = true;
            } else {
                cur.pop();
                depth -= 1;
            }
            continue;
        }
        let next = cur.join(&part);
        match std::fs::symlink_metadata(&next) {
            Ok(m) if m.file_type().is_symlink() => {
                links += 1;
                if links > max_links {
                    return Err(ResolveError::TooManyLinks(max_links));
                }
                let target = std::fs::read_link(&next).map_err(|e| ResolveError::Link {
                    path: next.display().to_string(),
                    message: e.to_string(),
                })?;
                if target.is_absolute() {
                    cur = root.to_path_buf();
                    depth = 0;
                }
                todo.extend(parts(&target).rev());
            }
            found => {
                exists &= found.is_ok();
                cur = next;
                depth += 1;
            }
        }
    }
    Ok(InRoot {
        path: cur,
        climbed_above_root: climbed,
        exists,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kape_and_velociraptor_drives() {
        assert_eq!(
            original_path(Path::new("C/inetpub/wwwroot/a.aspx")),
            "C:\\inetpub\\wwwroot\\a.aspx"
        );
        assert_eq!(
            original_path(Path::new("uploads/auto/C%3A/Program Files/x%20y.aspx")),
            "C:\\Program Files\\x y.aspx"
        );
        assert_eq!(
            original_path(Path::new("uploads/ntfs/%5C%5C.%5CC%3A/Windows/a.dll")),
            "C:\\Windows\\a.dll"
        );
    }

    #[test]
    fn unix_images() {
        assert_eq!(
            original_path(Path::new("var/www/html/x.php")),
            "/var/www/html/x.php"
        );
        assert_eq!(original_path(Path::new("")), "/");
    }

    #[test]
    fn windows_paths_resolve_inside_collections() {
        let d = tempfile::tempdir().unwrap();
        let dll = d.path().join("uploads/auto/C%3A/Windows/System32/inetsrv");
        std::fs::create_dir_all(&dll).unwrap();
        std::fs::write(dll.join("CacHuri.dll"), b"MZ").unwrap();
        let got = resolve_windows(
            d.path(),
            &expand_windows_vars("%windir%\\system32\\INETSRV\\cachuri.dll", None),
        )
        .unwrap();
        assert!(got.ends_with("CacHuri.dll"));
        assert!(resolve_windows(d.path(), "D:\\x.dll").is_none());
        assert!(resolve_windows(d.path(), "C:\\Windows\\..\\x").is_none());
        assert_eq!(
            expand_windows_vars("%ExchangeInstallPath%\\Bin\\a.dll", None),
            "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\a.dll"
        );
        assert_eq!(expand_windows_vars("%nope%\\a%", None), "%nope%\\a%");
    }

    #[test]
    fn resolution_stays_inside_the_root() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::fs::create_dir_all(r.join("etc/real")).unwrap();
        std::os::unix::fs::symlink("/etc/real", r.join("etc/abs")).unwrap();
        std::os::unix::fs::symlink("../../../../etc", r.join("etc/up")).unwrap();
        std::os::unix::fs::symlink("loop", r.join("loop")).unwrap();
        let got = resolve_in_root(r, "/etc/abs/x.conf", 40).unwrap();
        assert_eq!(got.path, r.join("etc/real/x.conf"));
        assert!(!got.climbed_above_root && !got.exists);
        assert!(resolve_in_root(r, "/etc/abs", 40).unwrap().exists);
        let up = resolve_in_root(r, "etc/up/real", 40).unwrap();
        assert_eq!(up.path, r.join("etc/real"));
        assert!(up.climbed_above_root);
        assert_eq!(
            resolve_in_root(r, "/loop/x", 5),
            Err(ResolveError::TooManyLinks(5))
        );
    }

    #[test]
    fn percent_decoding_is_total() {
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%41"), "A");
        assert_eq!(percent_decode("a%zz"), "a%zz");
    }
}
