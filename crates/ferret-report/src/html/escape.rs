//! The report's one HTML escaper: every text and attribute value goes through [`E`].

use std::fmt;

/// Displays a string escaped for HTML text and quoted attribute values:
/// `& < > " '` become entities and control characters become visible
/// `\xNN` text, so no value can open a tag, end an attribute or carry a
/// terminal escape. Text the model already escaped (`\x1b`) is shown as is.
pub(crate) struct E<'a>(pub &'a str);

impl fmt::Display for E<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let rep: Option<&str> = match c {
                '&' => Some("&amp;"),
                '<' => Some("&lt;"),
                '>' => Some("&gt;"),
                '"' => Some("&quot;"),
                '\'' => Some("&#39;"),
                _ => None,
            };
            let control = c.is_control();
            if rep.is_none() && !control {
                continue;
            }
            f.write_str(&s[last..i])?;
            match rep {
                Some(r) => f.write_str(r)?,
                None if (c as u32) < 0x100 => write!(f, "\\x{:02x}", c as u32)?,
                None => write!(f, "\\u{{{:x}}}", c as u32)?,
            }
            last = i + c.len_utf8();
        }
        f.write_str(&s[last..])
    }
}

/// `s` escaped, as an owned string (tests compare with it).
#[cfg(test)]
pub(crate) fn esc(s: &str) -> String {
    E(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            esc("a<b>&\"c'\u{1b}[2J\n\\x1b é"),
            "a&lt;b&gt;&amp;&quot;c&#39;\\x1b[2J\\x0a\\x1b é"
        );
        assert_eq!(esc("\u{85}"), "\\x85");
        assert_eq!(esc("plain"), "plain");
    }
}
