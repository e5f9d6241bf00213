//! A de-obfuscation pass: views of a file with its hiding undone, so that the
//! same rules and heuristics see through it.
//!
//! - **joined strings** (PHP): adjacent literals concatenated (`'as'.'sert'`),
//!   `\x65`/octal escapes decoded, `chr(101)` replaced by its character;
//!   produced only when that revealed something (a letter written as an
//!   escape, a name built from pieces).
//! - **decoded blobs**: string literals of base64 (optionally reversed or
//!   ROT13, as `strrev`/`str_rot13` around them say), inflated when they are
//!   zlib/gzip/raw deflate (`gzinflate`, `gzuncompress`, `gzdecode`), kept when
//!   the result is text. Applied again to what they reveal, a few levels deep.
//!
//! Byte signatures are defeated by such wrapping; a view is not.

use base64::Engine as _;
use ferret_core::Language;
use std::borrow::Cow;
use std::io::Read;

/// Maximum nesting of decoded blobs.
const MAX_DEPTH: usize = 4;
/// Maximum total bytes of all views of one file.
const MAX_TOTAL: usize = 16 << 20;
/// Shortest literal worth decoding.
const MIN_BLOB: usize = 48;

/// One view of the file with some hiding undone.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Offset in the original file of what this view was made from.
    pub offset: usize,
    /// How it was made, e.g. `base64 > gzinflate`.
    pub how: String,
    /// The view's bytes.
    pub bytes: Vec<u8>,
    /// Names the view revealed that the original spelled in pieces or escapes.
    pub revealed: Vec<&'static str>,
}

/// Names whose hiding is itself a tell.
pub const SENSITIVE: &[&str] = &[
    "eval",
    "assert",
    "system",
    "exec",
    "shell_exec",
    "passthru",
    "popen",
    "proc_open",
    "pcntl_exec",
    "create_function",
    "call_user_func",
    "base64_decode",
    "gzinflate",
    "gzuncompress",
    "gzdecode",
    "str_rot13",
    "strrev",
    "preg_replace",
    "file_put_contents",
    "move_uploaded_file",
    "_post",
    "_get",
    "_request",
    "_cookie",
    "_server",
    "_files",
    "globals",
    "php://input",
    "array_map",
    "convert_uudecode",
    "hex2bin",
    "reflectionfunction",
    "fsockopen",
    "getallheaders",
    "wscript.shell",
    "runtime",
    "processbuilder",
];

/// Every view of `data` worth scanning, in order of discovery.
pub fn layers(lang: Language, data: &[u8]) -> Vec<Layer> {
    let mut out = Vec::new();
    let mut total = 0usize;
    if lang == Language::Php {
        if let Some(l) = join_strings(data) {
            total += l.bytes.len();
            out.push(l);
        }
    }
    let mut frontier: Vec<(usize, String, Cow<'_, [u8]>)> =
        vec![(0, String::new(), Cow::Borrowed(data))];
    if let Some(j) = out.first() {
        frontier.push((0, "joined strings".into(), Cow::Owned(j.bytes.clone())));
    }
    for _depth in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for (base_off, how, bytes) in &frontier {
            for blob in blobs(bytes) {
                if total > MAX_TOTAL {
                    return out;
                }
                let Some((decoded, steps)) = decode_blob(bytes, &blob) else {
                    continue;
                };
                let offset = if how.is_empty() {
                    blob.start
                } else {
                    *base_off
                };
                let how = if how.is_empty() {
                    steps
                } else {
                    format!("{how} > {steps}")
                };
                total += decoded.len();
                out.push(Layer {
                    offset,
                    how: how.clone(),
                    bytes: decoded.clone(),
                    revealed: Vec::new(),
                });
                next.push((offset, how, Cow::Owned(decoded)));
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    out
}

/// A quoted literal's body.
struct Blob {
    start: usize,
    end: usize,
}

/// Quoted runs of base64 characters of at least `MIN_BLOB` bytes.
fn blobs(data: &[u8]) -> Vec<Blob> {
    let mut out = Vec::new();
    let mut resume = 0;
    for q in memchr::memchr2_iter(b'"', b'\'', data) {
        if q < resume {
            continue;
        }
        let start = q + 1;
        let len = data[start..]
            .iter()
            .position(|b| !is_b64(*b))
            .unwrap_or(data.len() - start);
        let end = start + len;
        if len >= MIN_BLOB && data.get(end) == Some(&data[q]) {
            out.push(Blob { start, end });
            resume = end + 1;
        }
    }
    out
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\r' | b'\n' | b'-' | b'_')
}

/// Decodes one blob; the functions written just before it say which
/// transforms to try first. Returns the text and the steps taken.
fn decode_blob(data: &[u8], blob: &Blob) -> Option<(Vec<u8>, String)> {
    let before = &data[blob.start.saturating_sub(120)..blob.start];
    let before = String::from_utf8_lossy(before).to_ascii_lowercase();
    let raw: Vec<u8> = data[blob.start..blob.end]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let mut candidates: Vec<(Vec<u8>, &str)> = vec![(raw.clone(), "")];
    if before.contains("strrev") {
        candidates.push((raw.iter().rev().copied().collect(), "strrev > "));
    }
    if before.contains("str_rot13") {
        candidates.push((rot13(&raw), "str_rot13 > "));
    }
    for (text, pre) in candidates {
        let Some(bin) = b64(&text) else { continue };
        if is_text(&bin) {
            return Some((bin, format!("{pre}base64")));
        }
        for (name, f) in INFLATERS {
            if let Some(inflated) = f(&bin) {
                if is_text(&inflated) {
                    return Some((inflated, format!("{pre}base64 > {name}")));
                }
            }
        }
    }
    None
}

fn b64(text: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    use base64::engine::DecodePaddingMode;
    let cfg = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let std = GeneralPurpose::new(&base64::alphabet::STANDARD, cfg);
    let url = GeneralPurpose::new(&base64::alphabet::URL_SAFE, cfg);
    std.decode(text).ok().or_else(|| url.decode(text).ok())
}

type Inflater = fn(&[u8]) -> Option<Vec<u8>>;
const INFLATERS: [(&str, Inflater); 3] = [
    ("gzinflate", |b| {
        read_capped(flate2::read::DeflateDecoder::new(b))
    }),
    ("gzuncompress", |b| {
        read_capped(flate2::read::ZlibDecoder::new(b))
    }),
    ("gzdecode", |b| read_capped(flate2::read::GzDecoder::new(b))),
];

/// Inflates at most 8 MiB: a decompression bomb gets cut short, not obeyed.
fn read_capped<R: Read>(r: R) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    r.take(8 << 20).read_to_end(&mut out).ok()?;
    (!out.is_empty()).then_some(out)
}

/// Mostly printable text with at least a few code punctuation marks.
fn is_text(b: &[u8]) -> bool {
    if b.len() < 8 {
        return false;
    }
    let sample = &b[..b.len().min(4096)];
    // Non-ASCII counts as text only where it is valid UTF-8: random bytes
    // are half high-bit bytes, and must not pass for text.
    let printable: usize = sample
        .utf8_chunks()
        .map(|c| {
            c.valid()
                .chars()
                .filter(|ch| !ch.is_control() || ch.is_ascii_whitespace())
                .map(char::len_utf8)
                .sum::<usize>()
        })
        .sum();
    let punct = sample
        .iter()
        .filter(|c| matches!(c, b'(' | b')' | b';' | b'$' | b'=' | b'<' | b'>'))
        .count();
    printable * 100 >= sample.len() * 90 && punct >= 2
}

fn rot13(b: &[u8]) -> Vec<u8> {
    b.iter()
        .map(|&c| match c {
            b'a'..=b'z' => (c - b'a' + 13) % 26 + b'a',
            b'A'..=b'Z' => (c - b'A' + 13) % 26 + b'A',
            _ => c,
        })
        .collect()
}

/// The joined-strings view of PHP source, when joining revealed something.
fn join_strings(data: &[u8]) -> Option<Layer> {
    // Cheap gate: nothing to join or decode.
    if memchr::memmem::find(data, b"\\x").is_none()
        && memchr::memmem::find(data, b"chr(").is_none()
        && memchr::memmem::find(data, b"'.'").is_none()
        && memchr::memmem::find(data, b"\".\"").is_none()
        && memchr::memmem::find(data, b"' . '").is_none()
        && memchr::memmem::find(data, b"\" . \"").is_none()
        && memchr::memmem::find(data, b"\\1").is_none()
    {
        return None;
    }
    // Most files reveal nothing: find that out without building the view.
    let (_, revealed, first_change) = scan_literals(data, false);
    let offset = first_change?;
    let (bytes, _, _) = scan_literals(data, true);
    Some(Layer {
        offset,
        how: "joined strings".into(),
        bytes,
        revealed,
    })
}

/// One pass over PHP source joining literals; with `build`, also the view.
/// Returns (view, names revealed, offset of the first reveal).
fn scan_literals(data: &[u8], build: bool) -> (Vec<u8>, Vec<&'static str>, Option<usize>) {
    let mut out = if build {
        Vec::with_capacity(data.len())
    } else {
        Vec::new()
    };
    let mut revealed: Vec<&'static str> = Vec::new();
    let mut first_change: Option<usize> = None;
    let mut lit = Vec::new();
    let mut i = 0;
    while i < data.len() {
        // Jump to the next place a literal can start: a quote or `chr(`.
        let Some(p) = memchr::memchr3(b'\'', b'"', b'c', &data[i..]) else {
            if build {
                out.extend_from_slice(&data[i..]);
            }
            break;
        };
        if build {
            out.extend_from_slice(&data[i..i + p]);
        }
        i += p;
        lit.clear();
        let Some((mut end, mut built)) = literal_at(data, i, &mut lit) else {
            if build {
                out.push(data[i]);
            }
            i += 1;
            continue;
        };
        let start = i;
        // Join `lit . lit . lit`.
        loop {
            let mut j = end;
            while j < data.len() && data[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < data.len() && data[j] == b'.' && data.get(j + 1) != Some(&b'=') {
                let mut k = j + 1;
                while k < data.len() && data[k].is_ascii_whitespace() {
                    k += 1;
                }
                if let Some((e, _)) = literal_at(data, k, &mut lit) {
                    end = e;
                    built = true;
                    continue;
                }
            }
            break;
        }
        if built {
            let lower = String::from_utf8_lossy(&lit).to_ascii_lowercase();
            let raw = String::from_utf8_lossy(&data[start..end]).to_ascii_lowercase();
            for name in SENSITIVE {
                if lower.contains(name) && !raw.contains(name) && !revealed.contains(name) {
                    revealed.push(name);
                    first_change.get_or_insert(start);
                }
            }
        }
        if build {
            out.push(b'\'');
            out.extend_from_slice(&lit);
            out.push(b'\'');
        }
        i = end;
    }
    (out, revealed, first_change)
}

/// A PHP string literal or `chr(N)` at `i`, its decoded bytes appended to
/// `out`: (end, whether it was built from escapes or chr). On `None`, `out`
/// is left as it was.
fn literal_at(d: &[u8], i: usize, out: &mut Vec<u8>) -> Option<(usize, bool)> {
    let mark = out.len();
    let r = literal_into(d, i, out);
    if r.is_none() {
        out.truncate(mark);
    }
    r
}

fn literal_into(d: &[u8], i: usize, out: &mut Vec<u8>) -> Option<(usize, bool)> {
    match *d.get(i)? {
        q @ (b'\'' | b'"') => {
            let mut built = false;
            let mut j = i + 1;
            while j < d.len() && j - i < 1 << 16 {
                let c = d[j];
                if c == q {
                    return Some((j + 1, built));
                }
                if c == b'\\' && j + 1 < d.len() {
                    let n = d[j + 1];
                    if q == b'"' {
                        if n == b'x' || n == b'X' {
                            let hex: Vec<u8> = d[j + 2..d.len().min(j + 4)]
                                .iter()
                                .copied()
                                .take_while(u8::is_ascii_hexdigit)
                                .collect();
                            if !hex.is_empty() {
                                let v =
                                    u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?;
                                built |= v.is_ascii_alphanumeric() || v == b'_';
                                out.push(v);
                                j += 2 + hex.len();
                                continue;
                            }
                        }
                        if (b'0'..=b'7').contains(&n) {
                            let oct: Vec<u8> = d[j + 1..d.len().min(j + 4)]
                                .iter()
                                .copied()
                                .take_while(|b| (b'0'..=b'7').contains(b))
                                .collect();
                            let v = u32::from_str_radix(std::str::from_utf8(&oct).ok()?, 8).ok()?;
                            built |= (v as u8).is_ascii_alphanumeric();
                            out.push(v as u8);
                            j += 1 + oct.len();
                            continue;
                        }
                    }
                    out.push(n);
                    j += 2;
                    continue;
                }
                out.push(c);
                j += 1;
            }
            None
        }
        b'c' | b'C'
            if d[i..].len() > 5
                && d[i..i + 4].eq_ignore_ascii_case(b"chr(")
                && (i == 0
                    || !d[i - 1].is_ascii_alphanumeric()
                        && d[i - 1] != b'_'
                        && d[i - 1] != b'$') =>
        {
            let rest = &d[i + 4..d.len().min(i + 16)];
            let close = rest.iter().position(|b| *b == b')')?;
            let num = std::str::from_utf8(&rest[..close]).ok()?.trim();
            let v = if let Some(h) = num.strip_prefix("0x").or_else(|| num.strip_prefix("0X")) {
                u32::from_str_radix(h, 16).ok()?
            } else {
                num.parse::<u32>().ok()?
            };
            out.push((v % 256) as u8);
            Some((i + 4 + close + 1, true))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_pieces_and_escapes() {
        let src = br#"<?php $f = 'as'.'se'."\x72t"; $g = chr(115).chr(121).'stem'; ?>"#;
        let l = join_strings(src).unwrap();
        let text = String::from_utf8_lossy(&l.bytes);
        assert!(text.contains("'assert'"), "{text}");
        assert!(text.contains("'system'"), "{text}");
        assert!(l.revealed.contains(&"assert") && l.revealed.contains(&"system"));
    }

    #[test]
    fn plain_concatenation_reveals_nothing() {
        assert!(join_strings(br#"<?php $a = 'Hello ' . 'world'; echo "a\n"; ?>"#).is_none());
    }

    #[test]
    fn decodes_base64_and_gzinflate() {
        use std::io::Write;
        let inner = b"<?php echo system($_GET['c']); ?>";
        let mut enc =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(inner).unwrap();
        let z = enc.finish().unwrap();
        let b = base64::engine::general_purpose::STANDARD.encode(z);
        let plain = base64::engine::general_purpose::STANDARD.encode(inner.repeat(2));
        let src = format!("<?php eval(gzinflate(base64_decode('{b}'))); $x = \"{plain}\";");
        let ls = layers(Language::Php, src.as_bytes());
        assert!(
            ls.iter()
                .any(|l| l.how == "base64 > gzinflate" && l.bytes == inner),
            "{ls:?}"
        );
        assert!(ls
            .iter()
            .any(|l| l.how == "base64" && l.bytes.starts_with(inner)));
    }

    /// Found by the `webshell_scan` fuzz target: a concatenation dot at the
    /// very end of the input indexed past it.
    #[test]
    fn trailing_concatenation_dot() {
        let _ = join_strings(b"<?php $a = chr(1).chr(2).");
        let _ = join_strings(b"<?php $a = 'x' . \n");
        let crash = base64::engine::general_purpose::STANDARD
            .decode("ADw/cGNocigxKS5jaHIoMikuY2gqAQAAcAokJHBbMl07CnBbMV0APD9wY2hyKDEpLmNocigyKS5jaCoBAABwCiQkcFsyXTsKcFsxXSAuICctJyAuIAo=")
            .unwrap();
        let _ = layers(Language::Php, &crash[1..]);
    }

    #[test]
    fn binary_blobs_are_dropped() {
        let b = base64::engine::general_purpose::STANDARD.encode((0u8..=255).collect::<Vec<_>>());
        assert!(layers(Language::Php, format!("$img = '{b}';").as_bytes()).is_empty());
    }
}
