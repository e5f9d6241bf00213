//! The parallel file-system walker.
//!
//! Built on the `ignore` crate's parallel walker with every filter off (a
//! `.gitignore` or hidden name must not hide a web shell from a responder).
//! Symbolic links are reported and never followed, so the walk cannot leave
//! the tree or loop; pseudo file systems (proc, sysfs, ...) are pruned; FIFOs,
//! sockets and devices are reported as skipped, never opened. Each worker
//! thread gets its own visitor and does its own reading and scanning, so a
//! file is read once, by the thread that found it.

use crate::layout::original_path;
use crate::mounts::pseudo_mount_points;
use crate::CollectError;
use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// `--exclude` globs. A pattern without `/` matches a file or directory
    /// name anywhere; one with `/` matches the path below the scan root.
    pub excludes: Vec<String>,
    /// The triage collection or mounted image the roots lie in (`--root`):
    /// entries then carry their path on the source system.
    pub collection: Option<PathBuf>,
}

/// One thing the walker met.
#[derive(Debug)]
pub enum Entry {
    /// A regular file to read.
    File(FileEntry),
    /// Not read, on purpose (symlink, FIFO, socket, device).
    Skipped {
        /// The item.
        path: PathBuf,
        /// Why, in words.
        reason: String,
    },
    /// Could not be listed or examined.
    Error(CollectError),
}

/// A regular file found by the walk.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// The scanned path as given joined with the relative path.
    pub path: PathBuf,
    /// With a collection root: the path on the source system.
    pub original_path: Option<String>,
}

/// A checked walk plan: globs compiled, pseudo mounts read.
pub struct Walk {
    roots: Vec<PathBuf>,
    options: WalkOptions,
    excludes: Arc<GlobSet>,
    pseudo: Arc<HashSet<PathBuf>>,
}

impl Walk {
    /// Checks the options; fails on a bad glob.
    pub fn new(roots: Vec<PathBuf>, options: WalkOptions) -> Result<Walk, CollectError> {
        let mut b = GlobSetBuilder::new();
        for pat in &options.excludes {
            let glob = Glob::new(pat).map_err(|e| CollectError::Glob {
                pattern: pat.clone(),
                message: e.kind().to_string(),
            })?;
            b.add(glob);
        }
        let excludes = b.build().map_err(|e| CollectError::Glob {
            pattern: options.excludes.join(" "),
            message: e.to_string(),
        })?;
        // A collection is someone else's disk: its proc/ is just a folder.
        let pseudo = if options.collection.is_some() {
            HashSet::new()
        } else {
            pseudo_mount_points()
        };
        Ok(Walk {
            roots,
            options,
            excludes: Arc::new(excludes),
            pseudo: Arc::new(pseudo),
        })
    }

    /// Walks all roots in parallel. `make_visitor` is called once per worker
    /// thread; each visitor receives the entries that thread finds.
    pub fn run<M, V>(&self, make_visitor: M)
    where
        M: Fn() -> V + Sync,
        V: FnMut(Entry) + Send,
    {
        let mut roots = self.roots.iter();
        let Some(first) = roots.next() else { return };
        let mut builder = WalkBuilder::new(first);
        for r in roots {
            builder.add(r);
        }
        builder
            .standard_filters(false)
            .hidden(false)
            .follow_links(false)
            .threads(self.options.threads);
        let filter_ctx = FilterCtx::new(&self.roots, self.excludes.clone(), self.pseudo.clone());
        builder.filter_entry(move |e| {
            filter_ctx.keep(e.path(), e.file_type().is_some_and(|t| t.is_dir()))
        });

        let collection = self.options.collection.clone();
        builder.build_parallel().run(|| {
            let mut visit = make_visitor();
            let collection = collection.clone();
            Box::new(move |res| {
                if let Some(entry) = classify(res, collection.as_deref()) {
                    visit(entry);
                }
                WalkState::Continue
            })
        });
    }
}

/// Directories are walked, not reported: `None`.
fn classify(
    res: Result<ignore::DirEntry, ignore::Error>,
    collection: Option<&Path>,
) -> Option<Entry> {
    let entry = match res {
        Ok(e) => e,
        Err(err) => return Some(Entry::Error(walk_error(err))),
    };
    let path = entry.path().to_path_buf();
    let Some(ft) = entry.file_type() else {
        return Some(Entry::Skipped {
            path,
            reason: "skipped: standard input is not scanned".into(),
        });
    };
    if ft.is_dir() {
        return None;
    }
    let reason = if ft.is_symlink() {
        "skipped: symbolic link, not followed"
    } else if !ft.is_file() {
        "skipped: not a regular file (FIFO, socket or device)"
    } else {
        let original_path = collection
            .and_then(|c| path.strip_prefix(c).ok())
            .map(original_path);
        return Some(Entry::File(FileEntry {
            path,
            original_path,
        }));
    };
    Some(Entry::Skipped {
        path,
        reason: reason.into(),
    })
}

fn walk_error(err: ignore::Error) -> CollectError {
    let path = error_path(&err).map(Path::to_path_buf);
    let message = match &err {
        ignore::Error::Loop { ancestor, child } => format!(
            "file system loop: {} points to its ancestor {}",
            child.display(),
            ancestor.display()
        ),
        _ => {
            let m = inner_message(&err);
            match &path {
                Some(p) => format!("{}: {m}", p.display()),
                None => m,
            }
        }
    };
    CollectError::Walk { path, message }
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

fn inner_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => inner_message(err),
        other => other.to_string(),
    }
}

/// What `filter_entry` needs: which root an entry is under, the excludes and
/// the pseudo mount points.
struct FilterCtx {
    roots: Vec<(PathBuf, PathBuf)>,
    excludes: Arc<GlobSet>,
    pseudo: Arc<HashSet<PathBuf>>,
}

impl FilterCtx {
    fn new(roots: &[PathBuf], excludes: Arc<GlobSet>, pseudo: Arc<HashSet<PathBuf>>) -> Self {
        let roots = roots
            .iter()
            .map(|r| {
                (
                    r.clone(),
                    std::fs::canonicalize(r).unwrap_or_else(|_| r.clone()),
                )
            })
            .collect();
        FilterCtx {
            roots,
            excludes,
            pseudo,
        }
    }

    fn keep(&self, path: &Path, is_dir: bool) -> bool {
        let Some((given, canonical)) = self.roots.iter().find(|(g, _)| path.starts_with(g)) else {
            return true;
        };
        let rel = path.strip_prefix(given).unwrap_or(path);
        if rel.as_os_str().is_empty() {
            return true; // a root itself is never excluded
        }
        if !self.excludes.is_empty() {
            let name_hit = path.file_name().is_some_and(|n| self.excludes.is_match(n));
            if name_hit || self.excludes.is_match(rel) || self.excludes.is_match(path) {
                return false;
            }
        }
        !(is_dir && !self.pseudo.is_empty() && self.pseudo.contains(&canonical.join(rel)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn collect(walk: &Walk) -> (Vec<PathBuf>, Vec<String>) {
        let files = Mutex::new(Vec::new());
        let skipped = Mutex::new(Vec::new());
        walk.run(|| {
            |e| match e {
                Entry::File(f) => files.lock().unwrap().push(f.path),
                Entry::Skipped { reason, .. } => skipped.lock().unwrap().push(reason),
                _ => {}
            }
        });
        let mut f = files.into_inner().unwrap();
        f.sort();
        (f, skipped.into_inner().unwrap())
    }

    #[test]
    fn walks_everything_but_excludes() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a/cache")).unwrap();
        std::fs::write(d.path().join("a/x.php"), "x").unwrap();
        std::fs::write(d.path().join("a/.hidden.php"), "x").unwrap();
        std::fs::write(d.path().join("a/cache/y.php"), "x").unwrap();
        std::fs::write(d.path().join(".gitignore"), "*.php\n").unwrap();
        let opts = WalkOptions {
            threads: 2,
            excludes: vec!["cache".into()],
            collection: None,
        };
        let (files, _) = collect(&Walk::new(vec![d.path().to_path_buf()], opts).unwrap());
        let names: Vec<_> = files
            .iter()
            .map(|p| p.strip_prefix(d.path()).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            names,
            vec![
                PathBuf::from(".gitignore"),
                "a/.hidden.php".into(),
                "a/x.php".into()
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_not_followed() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("a")).unwrap();
        std::os::unix::fs::symlink(d.path(), d.path().join("a/loop")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", d.path().join("a/out.php")).unwrap();
        std::fs::write(d.path().join("a/x.php"), "x").unwrap();
        let (files, skipped) =
            collect(&Walk::new(vec![d.path().to_path_buf()], WalkOptions::default()).unwrap());
        assert_eq!(files.len(), 1);
        assert_eq!(
            skipped
                .iter()
                .filter(|r| r.contains("symbolic link"))
                .count(),
            2
        );
    }

    #[test]
    fn bad_glob_is_an_error() {
        let opts = WalkOptions {
            excludes: vec!["a[".into()],
            ..Default::default()
        };
        assert!(matches!(
            Walk::new(vec![], opts),
            Err(CollectError::Glob { .. })
        ));
    }
}
