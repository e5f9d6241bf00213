//! Context-free lowercasing shared by the matcher and the prefilter.
//!
//! Every character is lowercased on its own (no final-sigma rule), so when a
//! text contains a literal, the lowercased text contains the lowercased
//! literal: the prefilter relies on that.

/// Appends the lowercase form of `s` to `out`.
pub(crate) fn push_lower(out: &mut String, s: &str) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        out.extend(s.chars().flat_map(char::to_lowercase));
    }
}

/// The lowercase form of `s`.
pub(crate) fn lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_lower(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_per_character() {
        assert_eq!(lower("CMD.EXE"), "cmd.exe");
        // Σ lowercases to σ wherever it stands, so substrings are preserved.
        assert_eq!(lower("ΑΣ"), "ασ");
        assert!(lower("xΑΣ y").contains(&lower("Σ")));
    }
}
