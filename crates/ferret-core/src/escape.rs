//! Escaping of attacker-controlled text (file names, matched bytes, log lines).
//!
//! Every printer shows such text only through these functions, so a file name
//! holding a newline or a terminal escape sequence cannot forge an output line
//! or repaint a terminal. The result is printable, one line, and reversible:
//! `\\` for a backslash, `\n` `\r` `\t` for those controls, `\xNN` for any
//! other control byte and for bytes that are not UTF-8, and `\u{NNNN}` for
//! Unicode controls, bidirectional overrides and invisible format characters.
//! Printable non-ASCII text (a Chinese file name, say) is kept as it is.

use std::path::Path;

/// Escapes arbitrary bytes into one printable line.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        escape_into(chunk.valid(), &mut out);
        for b in chunk.invalid() {
            push_hex(&mut out, *b);
        }
    }
    out
}

/// Escapes a string into one printable line.
pub fn escape_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(s, &mut out);
    out
}

/// Escapes a path; on Unix the raw bytes are used, so non-UTF-8 names survive
/// as `\xNN` rather than being replaced.
pub fn escape_path(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        escape_bytes(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        escape_str(&path.to_string_lossy())
    }
}

/// Escapes control and invisible characters but leaves backslashes alone: for
/// text that is already escaped (read back from JSON) and must stay printable.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\\' {
            out.push(c);
        } else {
            escape_into(c.encode_utf8(&mut [0; 4]), &mut out);
        }
    }
    out
}

fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => push_hex(out, c as u8),
            c if is_dangerous_unicode(c) => {
                out.push_str(&format!("\\u{{{:04x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
}

fn push_hex(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\x");
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 0xf) as usize] as char);
}

/// C1 controls, bidirectional embeddings/overrides/isolates, zero-width and
/// other invisible format characters, line/paragraph separators.
fn is_dangerous_unicode(c: char) -> bool {
    matches!(c as u32,
        0x80..=0x9f
        | 0x061c
        | 0x200b..=0x200f
        | 0x2028..=0x202e
        | 0x2060..=0x2069
        | 0xfeff
        | 0xfff9..=0xfffb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped() {
        assert_eq!(escape_bytes(b"a\nb\x1b[31mc\\"), "a\\nb\\x1b[31mc\\\\");
        assert_eq!(escape_bytes(b"\xff\xfeok"), "\\xff\\xfeok");
        assert_eq!(escape_str("x\u{202e}gpj.php"), "x\\u{202e}gpj.php");
        assert_eq!(escape_str("\u{85}"), "\\u{0085}");
    }

    #[test]
    fn printable_text_is_kept() {
        assert_eq!(escape_str("不灭之魂.asp"), "不灭之魂.asp");
        assert_eq!(
            escape_bytes(b"<?php eval($_POST[1]); ?>"),
            "<?php eval($_POST[1]); ?>"
        );
    }

    #[test]
    fn output_never_holds_controls() {
        let all: Vec<u8> = (0u8..=255).collect();
        let s = escape_bytes(&all);
        assert!(s.chars().all(|c| !c.is_control()));
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_path() {
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(std::ffi::OsStr::from_bytes(b"/w/a\xe9\n.php"));
        assert_eq!(escape_path(p), "/w/a\\xe9\\n.php");
    }
}
