//! Decoding and measuring helpers: base64 (either alphabet, any padding),
//! `chr(N)` chains, Shannon entropy, readable versus binary text, and short
//! excerpts. All bounded by their input; none panics.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Characters kept in an excerpt.
pub(crate) const MAX_EXCERPT_CHARS: usize = 200;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// The bytes `s` encodes in base64 (standard or URL-safe alphabet, padding
/// optional; a space stands for a `+` lost to form decoding), when it is at
/// least 8 characters of base64 and nothing else.
pub(crate) fn base64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if s.len() < 8
        || !s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=' | b' ')
        })
    {
        return None;
    }
    let body = s.trim_end_matches('=');
    if body.contains('=') || s.len() - body.len() > 2 {
        return None;
    }
    let fixed;
    let s = if s.contains(' ') {
        fixed = s.replace(' ', "+");
        fixed.as_str()
    } else {
        s
    };
    STANDARD.decode(s).or_else(|_| URL_SAFE.decode(s)).ok()
}

/// The share of bytes that are printable ASCII, whitespace or UTF-8 text.
pub(crate) fn printable_fraction(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 1.0;
    }
    let ok = b
        .iter()
        .filter(|&&c| (0x20..0x7f).contains(&c) || matches!(c, b'\t' | b'\r' | b'\n') || c >= 0x80)
        .count();
    let text_like = ok as f64 / b.len() as f64;
    // Bytes >= 0x80 only count when the whole is valid UTF-8.
    if std::str::from_utf8(b).is_ok() {
        text_like
    } else {
        b.iter()
            .filter(|&&c| (0x20..0x7f).contains(&c) || matches!(c, b'\t' | b'\r' | b'\n'))
            .count() as f64
            / b.len() as f64
    }
}

/// Whether decoded bytes read as text (code, commands, paths).
pub(crate) fn readable(b: &[u8]) -> bool {
    printable_fraction(b) >= 0.9
}

/// Whether captured text (lossy UTF-8 of the raw bytes) was binary: at least
/// a tenth of its characters are replacement or control characters.
pub(crate) fn binary_text(s: &str) -> bool {
    let mut n = 0usize;
    let mut odd = 0usize;
    for c in s.chars().take(4096) {
        n += 1;
        if c == '\u{fffd}' || (c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
            odd += 1;
        }
    }
    n > 0 && odd * 10 >= n
}

pub(crate) use ferret_core::entropy;

/// The entropy a body of `n` bytes must reach to count as encrypted:
/// `min_entropy`, or for short bodies `short_fraction` of the most their
/// length allows (`log2(n)`), whichever is lower.
pub(crate) fn entropy_floor(n: u64, min_entropy: f64, short_fraction: f64) -> f64 {
    if n >= 1024 {
        return min_entropy;
    }
    let most = (n.max(2) as f64).log2().min(8.0);
    min_entropy.min(short_fraction * most)
}

/// The text a `chr(N)` / `Chr(N)` chain spells (PHP `chr(101).chr(118)`, ASP
/// `Chr(101)&Chr(118)`), when `s` holds at least four such calls.
pub(crate) fn chr_chain(s: &str) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    let mut out = String::new();
    let mut calls = 0;
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("chr(") {
        rest = &rest[i + 4..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || digits.len() > 3 || !rest[digits.len()..].starts_with(')') {
            continue;
        }
        if let Some(c) = digits.parse::<u32>().ok().and_then(char::from_u32) {
            out.push(c);
            calls += 1;
        }
        if calls >= 4096 {
            break;
        }
    }
    (calls >= 4).then_some(out)
}

/// At most [`MAX_EXCERPT_CHARS`] characters of `s` around byte offset `at`
/// (a little context before it).
pub(crate) fn excerpt(s: &str, at: usize) -> String {
    let mut start = at.min(s.len()).saturating_sub(40);
    while !s.is_char_boundary(start) {
        start -= 1;
    }
    s[start..].chars().take(MAX_EXCERPT_CHARS).collect()
}

/// Lossy text of decoded bytes, at most `max` bytes of them.
pub(crate) fn lossy(b: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&b[..b.len().min(max)]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_strict_about_shape_and_lenient_about_padding() {
        assert_eq!(
            base64("aGVsbG8gd29ybGQ=").as_deref(),
            Some(&b"hello world"[..])
        );
        assert_eq!(
            base64("aGVsbG8gd29ybGQ").as_deref(),
            Some(&b"hello world"[..])
        );
        assert!(base64("aGVsbG8 d29ybGQ=").is_some());
        assert!(base64("hello world!").is_none());
        assert!(base64("abc").is_none());
        assert!(base64("ab=cdefgh").is_none());
        assert!(base64("username").is_some_and(|b| !readable(&b)));
    }

    #[test]
    fn entropy_and_text_measures() {
        assert_eq!(entropy(b""), 0.0);
        assert_eq!(entropy(b"aaaa"), 0.0);
        let all: Vec<u8> = (0..=255).collect();
        assert!((entropy(&all) - 8.0).abs() < 1e-9);
        assert!(readable(b"@eval($_POST[z0]);"));
        assert!(!readable(&all));
        assert!(binary_text("ab\u{fffd}\u{fffd}\u{1}cd"));
        assert!(!binary_text("plain text\r\n"));
        assert!(!binary_text(""));
        assert_eq!(entropy_floor(4096, 7.5, 0.85), 7.5);
        assert!(entropy_floor(64, 7.5, 0.85) < 6.0);
    }

    #[test]
    fn chr_chains_decode() {
        assert_eq!(
            chr_chain("chr(101).chr(118).Chr(97).CHR(108)").as_deref(),
            Some("eval")
        );
        assert_eq!(chr_chain("chr(65)"), None);
        assert_eq!(chr_chain("chr(x)chr(1234)chr("), None);
        let e = excerpt(&"é".repeat(300), 101);
        assert!(e.chars().count() <= MAX_EXCERPT_CHARS);
    }
}
