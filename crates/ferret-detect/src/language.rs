//! Which server-side language a file holds: by extension, and by content for
//! everything else (PHP in a `.jpg`, `<%@ Page` in a `.txt`, a CGI script
//! without an extension).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use ferret_core::Language;
use std::path::Path;
use std::sync::OnceLock;

/// How a language was identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifiedBy {
    /// The file name's extension.
    Extension,
    /// Markers in the content (the extension says otherwise or nothing).
    Content,
}

impl IdentifiedBy {
    /// `extension` or `content`.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifiedBy::Extension => "extension",
            IdentifiedBy::Content => "content",
        }
    }
}

/// The language for a file-name extension (lowercase, no dot).
pub fn by_extension(ext: &str) -> Option<Language> {
    Some(match ext {
        "php" | "php3" | "php4" | "php5" | "php7" | "php8" | "pht" | "phtml" | "phar" | "phps"
        | "inc" => Language::Php,
        "asp" | "asa" | "cer" | "cdx" => Language::Asp,
        "aspx" | "ashx" | "asmx" | "ascx" | "asax" | "master" | "svc" => Language::Aspx,
        "jsp" | "jspx" | "jspf" | "jsw" | "jsv" | "jtml" => Language::Jsp,
        "cfm" | "cfml" | "cfc" => Language::Cfm,
        "pl" | "pm" | "cgi" => Language::Perl,
        "py" => Language::Python,
        "sh" | "bash" => Language::Shell,
        _ => return None,
    })
}

/// Identifies the language of `path` with content `data`. The extension
/// decides when it names a language, except that an `.inc` or `.cgi` file's
/// content may say otherwise; for any other file the content decides.
pub fn identify(path: &Path, data: &[u8]) -> Option<(Language, IdentifiedBy)> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match by_extension(&ext) {
        Some(lang) if ext != "inc" && ext != "cgi" => Some((lang, IdentifiedBy::Extension)),
        Some(lang) => Some((sniff(data).unwrap_or(lang), IdentifiedBy::Extension)),
        None => sniff(data).map(|l| (l, IdentifiedBy::Content)),
    }
}

/// Content markers, in priority order (earlier wins when several occur).
const MARKERS: &[(&str, Language)] = &[
    ("<?php", Language::Php),
    ("<%@ page language=\"c#\"", Language::Aspx),
    ("<%@ page language=\"jscript\"", Language::Aspx),
    ("<%@ page language=\"java\"", Language::Jsp),
    ("<%@ page language=\"vb\"", Language::Aspx),
    ("<%@page language=\"c#\"", Language::Aspx),
    ("<%@ webhandler", Language::Aspx),
    ("<%@ webservice", Language::Aspx),
    ("<%@ control", Language::Aspx),
    ("<%@ assembly", Language::Aspx),
    ("<%@ import namespace", Language::Aspx),
    ("runat=\"server\"", Language::Aspx),
    ("<%@ page import", Language::Jsp),
    ("<%@page import", Language::Jsp),
    ("<%@ page contenttype", Language::Jsp),
    ("<%@page contenttype", Language::Jsp),
    ("<%@ page pageencoding", Language::Jsp),
    ("<jsp:", Language::Jsp),
    ("<%@ language", Language::Asp),
    ("<%@language", Language::Asp),
    ("<%eval ", Language::Asp),
    ("<% eval ", Language::Asp),
    ("<%execute", Language::Asp),
    ("<% execute", Language::Asp),
    ("<cfscript", Language::Cfm),
    ("<cfexecute", Language::Cfm),
    ("<cfset ", Language::Cfm),
    ("<cffile ", Language::Cfm),
    ("<?=", Language::Php),
];

fn markers() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(MARKERS.iter().map(|(m, _)| m))
            .expect("static markers compile")
    })
}

/// The language the content shows, if any: a shebang names it, or markers do
/// anywhere in the file (a polyglot image holds its code after the header).
pub fn sniff(data: &[u8]) -> Option<Language> {
    if let Some(lang) = shebang(data) {
        return Some(lang);
    }
    let mut best: Option<usize> = None;
    for m in markers().find_iter(data) {
        let i = m.pattern().as_usize();
        if MARKERS[i].0 == "<?=" && !php_short_echo_follows(&data[m.end()..]) {
            continue;
        }
        if MARKERS[i].0.starts_with('<') && !opens_code(data, m.start()) {
            continue;
        }
        best = Some(best.map_or(i, |b| b.min(i)));
        if i == 0 {
            break;
        }
    }
    best.map(|i| MARKERS[i].1)
}

/// Whether a tag at `at` can open server-side code rather than be prose about
/// it (`outside of <?php?> ...` in a comment or a manual): it starts the file
/// or a line, ends an HTML tag (`>`), follows binary bytes (an image header)
/// or sits in the first 16 bytes (`GIF89a<?php`).
fn opens_code(data: &[u8], at: usize) -> bool {
    if at < 16 {
        return true;
    }
    let before = data[..at]
        .iter()
        .rev()
        .find(|b| **b != b' ' && **b != b'\t');
    match before {
        None => true,
        Some(b) => {
            matches!(b, b'\n' | b'\r' | b'>' | b';' | b'}')
                || !(b.is_ascii_graphic() || b.is_ascii_whitespace())
        }
    }
}

/// `<?=` is PHP only when code follows: a variable, a call, a quote.
fn php_short_echo_follows(rest: &[u8]) -> bool {
    let rest = &rest[..rest.len().min(64)];
    let t: Vec<u8> = rest
        .iter()
        .copied()
        .skip_while(|b| *b == b' ')
        .take(2)
        .collect();
    matches!(t.first(), Some(b'$' | b'"' | b'\'' | b'@'))
        || (t.first().is_some_and(|b| b.is_ascii_alphabetic()) && rest.contains(&b'('))
}

fn shebang(data: &[u8]) -> Option<Language> {
    let line = data.strip_prefix(b"#!")?;
    let line = &line[..line
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(line.len())
        .min(128)];
    let text = String::from_utf8_lossy(line);
    if text.contains("perl") {
        Some(Language::Perl)
    } else if text.contains("python") {
        Some(Language::Python)
    } else if ["/sh", "bash", "dash", "ksh", "zsh", "env sh"]
        .iter()
        .any(|s| text.contains(s))
    {
        Some(Language::Shell)
    } else if text.contains("php") {
        Some(Language::Php)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: &str, data: &[u8]) -> Option<(Language, IdentifiedBy)> {
        identify(Path::new(name), data)
    }

    #[test]
    fn by_name() {
        assert_eq!(
            id("a.PHP5", b""),
            Some((Language::Php, IdentifiedBy::Extension))
        );
        assert_eq!(
            id("h.ashx", b""),
            Some((Language::Aspx, IdentifiedBy::Extension))
        );
        assert_eq!(
            id("x.jspx", b""),
            Some((Language::Jsp, IdentifiedBy::Extension))
        );
        assert_eq!(id("readme.md", b"# hello"), None);
    }

    #[test]
    fn by_content() {
        let jpg = b"\xff\xd8\xff\xe0JFIF\x00<?php system($_GET[1]); ?>";
        assert_eq!(
            id("cat.jpg", jpg),
            Some((Language::Php, IdentifiedBy::Content))
        );
        assert_eq!(
            id("a.txt", b"<%@ Page Language=\"C#\" %>"),
            Some((Language::Aspx, IdentifiedBy::Content))
        );
        assert_eq!(
            id("a.txt", b"<%@ page import=\"java.io.*\" %>"),
            Some((Language::Jsp, IdentifiedBy::Content))
        );
        assert_eq!(
            id("run", b"#!/usr/bin/perl -w\nprint 1;"),
            Some((Language::Perl, IdentifiedBy::Content))
        );
        assert_eq!(id("x.xml", b"<?xml version=\"1.0\"?><a/>"), None);
        let prose = b"\" Vim helper: text outside of <?php?> tags, or (<?php or <?) here";
        assert_eq!(id("php.vim", prose), None);
        assert_eq!(
            id("a.gif", b"GIF89a<?php echo 1; ?>"),
            Some((Language::Php, IdentifiedBy::Content))
        );
        assert_eq!(
            id("a.txt", b"notes\n  <?php echo 1; ?>"),
            Some((Language::Php, IdentifiedBy::Content))
        );
        assert_eq!(id("x.bin", b"\x00<?=\x01\x02"), None);
        assert_eq!(
            id(
                "lib.inc",
                b"<%@ Language=VBScript %><% Response.Write(1) %>"
            ),
            Some((Language::Asp, IdentifiedBy::Extension))
        );
        assert_eq!(
            id("a.txt", b"<%@ Page Language=\"Jscript\"%>"),
            Some((Language::Aspx, IdentifiedBy::Content))
        );
        assert_eq!(
            id("doc.md", b"request.getParameter(\"cmd\") Runtime.exec"),
            None
        );
    }
}
