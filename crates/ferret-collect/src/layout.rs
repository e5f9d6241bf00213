//! Mounted images and triage collections: where the source system's paths are.
//!
//! With `--root DIR`, `DIR` holds a copy of another system: a mounted disk
//! image (`DIR/var/www/...`), a KAPE collection (`DIR/C/inetpub/...`) or a
//! Velociraptor one (`DIR/uploads/auto/C%3A/inetpub/...`,
//! `DIR/uploads/ntfs/%5C%5C.%5CC%3A/...`). [`original_path`] gives a file's path
//! as it was on that system, for evidence and for matching path rules.

use std::path::{Component, Path};

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
    fn percent_decoding_is_total() {
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%41"), "A");
        assert_eq!(percent_decode("a%zz"), "a%zz");
    }
}
