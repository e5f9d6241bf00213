//! Bounded reading of the tree under the root: recursive listing without
//! following symlinks, glob expansion one component at a time, and opening
//! files without following symlinks or blocking on FIFOs. Nothing is written.

use ferret_core::Escaped;
use globset::GlobMatcher;
use sha2::{Digest, Sha256};
use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Deepest folder level a walk descends to.
pub const MAX_DEPTH: usize = 32;
/// Most entries one walk or one expansion lists.
pub const MAX_ENTRIES: usize = 200_000;
/// Files larger than this are not hashed (their findings say so).
pub const HASH_CAP: u64 = 64 * 1024 * 1024;

/// One entry found under the root.
#[derive(Debug, Clone)]
pub struct Item {
    /// Relative to the root, `/`-separated components as on the appliance.
    pub rel: PathBuf,
    /// The entry's own metadata (symlinks not followed).
    pub meta: Metadata,
}

/// An error about one item, escaped for printing.
pub fn item_error(path: &Path, what: &str, e: &dyn std::fmt::Display) -> String {
    format!(
        "{}: {}: {}",
        Escaped::from_path(path),
        what,
        ferret_core::escape_str(&e.to_string())
    )
}

/// Every entry below `rel` (not `rel` itself), symlinks listed but not
/// followed, depth- and count-capped; errors are per item.
pub fn walk(root: &Path, rel: &Path, errors: &mut Vec<String>) -> Vec<Item> {
    let mut out = Vec::new();
    let mut stack = vec![(rel.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let rd = match std::fs::read_dir(root.join(&dir)) {
            Ok(rd) => rd,
            Err(e) => {
                errors.push(item_error(&root.join(&dir), "cannot list", &e));
                continue;
            }
        };
        let mut names: Vec<_> = rd
            .filter_map(|e| match e {
                Ok(e) => Some(e.file_name()),
                Err(err) => {
                    errors.push(item_error(&root.join(&dir), "cannot list", &err));
                    None
                }
            })
            .collect();
        names.sort();
        for name in names {
            if out.len() >= MAX_ENTRIES {
                errors.push(format!(
                    "{}: more than {MAX_ENTRIES} entries; the rest was not examined",
                    Escaped::from_path(&root.join(rel))
                ));
                return out;
            }
            let r = dir.join(&name);
            match std::fs::symlink_metadata(root.join(&r)) {
                Ok(meta) => {
                    if meta.is_dir() {
                        if depth + 1 < MAX_DEPTH {
                            stack.push((r.clone(), depth + 1));
                        } else {
                            errors.push(format!(
                                "{}: deeper than {MAX_DEPTH} levels; not examined",
                                Escaped::from_path(&root.join(&r))
                            ));
                        }
                    }
                    out.push(Item { rel: r, meta });
                }
                Err(e) => errors.push(item_error(&root.join(&r), "cannot stat", &e)),
            }
        }
    }
    out
}

fn has_glob(c: &str) -> bool {
    c.contains(['*', '?', '[', '{', '\\'])
}

/// The entries whose relative path matches `pattern` (see the profile
/// schema), found by descending only where the pattern can still match.
/// Symlinked folders are never entered.
pub fn expand(
    root: &Path,
    pattern: &str,
    glob: &GlobMatcher,
    errors: &mut Vec<String>,
) -> Vec<Item> {
    let comps: Vec<&str> = pattern.split('/').collect();
    // The literal prefix needs no listing.
    let lit = comps.iter().take_while(|c| !has_glob(c)).count();
    let base: PathBuf = comps[..lit].iter().collect();
    if lit == comps.len() {
        return match std::fs::symlink_metadata(root.join(&base)) {
            Ok(meta) => vec![Item { rel: base, meta }],
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                errors.push(item_error(&root.join(&base), "cannot stat", &e));
                Vec::new()
            }
        };
    }
    match std::fs::symlink_metadata(root.join(&base)) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Vec::new(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            errors.push(item_error(&root.join(&base), "cannot stat", &e));
            return Vec::new();
        }
    }
    let deep = comps[lit..].contains(&"**");
    let rest = comps.len() - lit;
    let mut out = Vec::new();
    let mut stack = vec![(base, 0usize)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let rd = match std::fs::read_dir(root.join(&dir)) {
            Ok(rd) => rd,
            Err(e) => {
                errors.push(item_error(&root.join(&dir), "cannot list", &e));
                continue;
            }
        };
        let mut names: Vec<_> = rd.filter_map(Result::ok).map(|e| e.file_name()).collect();
        names.sort();
        for name in names {
            seen += 1;
            if seen > MAX_ENTRIES {
                errors.push(format!(
                    "{}: pattern {} lists more than {MAX_ENTRIES} entries; the rest was not examined",
                    Escaped::from_path(root),
                    ferret_core::escape_str(pattern)
                ));
                return out;
            }
            let r = dir.join(&name);
            let meta = match std::fs::symlink_metadata(root.join(&r)) {
                Ok(m) => m,
                Err(e) => {
                    errors.push(item_error(&root.join(&r), "cannot stat", &e));
                    continue;
                }
            };
            let level = depth + 1;
            if meta.is_dir() && (deep || level < rest) && level < MAX_DEPTH {
                stack.push((r.clone(), level));
            }
            if glob.is_match(&r) {
                out.push(Item { rel: r, meta });
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

/// Opens a regular file for reading without following a symlink or blocking
/// on a FIFO; anything else is an error.
pub fn open_regular(path: &Path) -> std::io::Result<(File, Metadata)> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok((f, meta))
}

/// Reads at most `cap` bytes of a regular file.
pub fn read_capped(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    let (f, _) = open_regular(path)?;
    let mut buf = Vec::new();
    f.take(cap).read_to_end(&mut buf)?;
    Ok(buf)
}

/// SHA-256 (lowercase hex) of a regular file, streamed; `Ok(None)` when the
/// file is larger than `cap`.
pub fn sha256_file(path: &Path, cap: u64) -> std::io::Result<Option<String>> {
    let (mut f, meta) = open_regular(path)?;
    if meta.len() > cap {
        return Ok(None);
    }
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > cap {
            return Ok(None);
        }
        h.update(&buf[..n]);
    }
    Ok(Some(hex::encode(h.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::path_glob;

    #[test]
    fn expand_matches_components_and_does_not_enter_symlinks() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("a/x/b")).unwrap();
        std::fs::create_dir_all(r.join("a/y/b/c")).unwrap();
        std::fs::write(r.join("a/y/b/c/f.sh"), "").unwrap();
        std::os::unix::fs::symlink("/", r.join("a/z")).unwrap();
        let mut errs = Vec::new();
        let g = path_glob("a/*/b").unwrap();
        let got: Vec<_> = expand(r, "a/*/b", &g, &mut errs)
            .into_iter()
            .map(|i| i.rel)
            .collect();
        assert_eq!(got, vec![PathBuf::from("a/x/b"), PathBuf::from("a/y/b")]);
        let g = path_glob("a/**/*.sh").unwrap();
        let got: Vec<_> = expand(r, "a/**/*.sh", &g, &mut errs)
            .into_iter()
            .map(|i| i.rel)
            .collect();
        assert_eq!(got, vec![PathBuf::from("a/y/b/c/f.sh")]);
        assert!(errs.is_empty(), "{errs:?}");
    }

    #[test]
    fn walk_lists_symlink_loops_without_following() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("d/e")).unwrap();
        std::os::unix::fs::symlink("../d", r.join("d/e/loop")).unwrap();
        let mut errs = Vec::new();
        let items = walk(r, Path::new("d"), &mut errs);
        assert_eq!(items.len(), 2);
        assert!(items.iter().any(|i| i.meta.file_type().is_symlink()));
    }

    #[test]
    fn hashing_refuses_symlinks_and_caps_size() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("f");
        std::fs::write(&f, b"abc").unwrap();
        assert_eq!(
            sha256_file(&f, 10).unwrap().unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha256_file(&f, 2).unwrap(), None);
        std::os::unix::fs::symlink(&f, t.path().join("l")).unwrap();
        assert!(sha256_file(&t.path().join("l"), 10).is_err());
    }
}
