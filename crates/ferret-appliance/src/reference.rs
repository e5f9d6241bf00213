//! A reference list over a clean image: `SHA256  PATH` lines as `sha256sum`
//! writes them (also `SHA256 *PATH`, and the `\`-prefixed escaped form).

use crate::ApplianceError;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Component, Path, PathBuf};

/// Largest reference file read.
const MAX_REFERENCE: u64 = 256 * 1024 * 1024;

/// `SHA256  PATH` lines over a clean image (paths relative to the root).
#[derive(Debug, Clone, Default)]
pub struct Reference {
    files: BTreeMap<PathBuf, String>,
}

fn unescape(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b'\\' => out.push(b'\\'),
                other => {
                    out.push(b'\\');
                    out.push(other);
                }
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// `./a/b`, `/a/b` and `a//b` all name `a/b`; `..` is refused.
fn normalise(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

impl Reference {
    /// Reads a reference file.
    pub fn load(path: &Path) -> Result<Reference, ApplianceError> {
        let io = |e: std::io::Error| ApplianceError::Reference {
            path: ferret_core::Escaped::from_path(path).to_string(),
            message: ferret_core::escape_str(&e.to_string()),
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.len() > MAX_REFERENCE {
            return Err(ApplianceError::Reference {
                path: ferret_core::Escaped::from_path(path).to_string(),
                message: format!("larger than {MAX_REFERENCE} bytes"),
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        Reference::parse(&bytes).map_err(|e| match e {
            ApplianceError::Reference { message, .. } => ApplianceError::Reference {
                path: ferret_core::Escaped::from_path(path).to_string(),
                message,
            },
            other => other,
        })
    }

    /// Parses reference text; blank lines and `#` comments are skipped, any
    /// other line that is not `HEX64 PATH` is an error naming its number.
    pub fn parse(bytes: &[u8]) -> Result<Reference, ApplianceError> {
        let mut files = BTreeMap::new();
        for (n, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if line.iter().all(u8::is_ascii_whitespace) || line.first() == Some(&b'#') {
                continue;
            }
            let (escaped, line) = match line.strip_prefix(b"\\") {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let err = |what: &str| ApplianceError::Reference {
                path: String::new(),
                message: format!("line {}: {what}", n + 1),
            };
            if line.len() < 66 || !line[..64].iter().all(u8::is_ascii_hexdigit) || line[64] != b' '
            {
                return Err(err("expected `SHA256  PATH`"));
            }
            let hash = String::from_utf8_lossy(&line[..64]).to_ascii_lowercase();
            let mut name = &line[65..];
            if let Some(rest) = name.strip_prefix(b" ").or_else(|| name.strip_prefix(b"*")) {
                name = rest;
            }
            let name = if escaped {
                unescape(name)
            } else {
                name.to_vec()
            };
            let p = PathBuf::from(OsString::from_vec(name));
            let p = normalise(&p).ok_or_else(|| err("path empty or holding `..`"))?;
            files.insert(p, hash);
        }
        Ok(Reference { files })
    }

    /// How many files the reference lists.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the reference lists nothing.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The expected SHA-256 of a relative path, if listed.
    pub fn get(&self, rel: &Path) -> Option<&str> {
        self.files.get(rel).map(String::as_str)
    }

    /// Every listed path with its expected SHA-256.
    pub fn iter(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.files.iter().map(|(p, h)| (p.as_path(), h.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sha256sum_output_forms() {
        let h = "a".repeat(64);
        let text = format!("{h}  ./var/a.php\n{h} */b\n\\{h}  c\\nd\n\n# note\n");
        let r = Reference::parse(text.as_bytes()).unwrap();
        assert_eq!(r.len(), 3);
        assert!(r.get(Path::new("var/a.php")).is_some());
        assert!(r.get(Path::new("b")).is_some());
        assert!(r.get(Path::new("c\nd")).is_some());
    }

    #[test]
    fn refuses_malformed_lines_and_parent_paths() {
        assert!(Reference::parse(b"xyz  a\n").is_err());
        let h = "0".repeat(64);
        assert!(Reference::parse(format!("{h}  ../etc/passwd").as_bytes()).is_err());
        assert!(Reference::parse("é".repeat(40).as_bytes()).is_err());
    }
}
