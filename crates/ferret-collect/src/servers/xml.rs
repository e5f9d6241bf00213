//! A small, bounded XML tree on top of quick-xml for configuration files
//! (`applicationHost.config`, `web.config`, `agents.config`, VIB descriptors,
//! Tomcat's `server.xml`/`web.xml`).
//!
//! Safe on hostile input by construction: quick-xml never expands entities
//! other than the five predefined ones and character references (a DTD's
//! internal entities are ignored, so "billion laughs" cannot grow), nesting
//! deeper than [`MAX_DEPTH`] and more than [`MAX_ELEMENTS`] elements are
//! errors, and every element keeps the 1-based line it starts on for evidence.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 256;
/// Most elements accepted in one document.
pub const MAX_ELEMENTS: usize = 2_000_000;

/// One element: its local name (namespace prefix dropped), attributes in
/// document order, text content, children and start line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Local name (`add`, `globalModules`).
    pub name: String,
    /// Attributes (local names), unescaped.
    pub attrs: Vec<(String, String)>,
    /// Concatenated text and CDATA directly inside this element, unescaped.
    pub text: String,
    /// Child elements in order.
    pub children: Vec<Element>,
    /// 1-based line of the start tag.
    pub line: u64,
}

impl Element {
    /// An attribute's value, by name (ASCII case-insensitive, as IIS reads them).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first child with this name (ASCII case-insensitive).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Children with this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name.eq_ignore_ascii_case(name))
    }

    /// The element at a `/`-separated path of child names below this one.
    pub fn path(&self, path: &str) -> Option<&Element> {
        path.split('/')
            .filter(|p| !p.is_empty())
            .try_fold(self, |e, p| e.child(p))
    }

    /// Every element at a `/`-separated path (all matches at each step).
    pub fn path_all<'a>(&'a self, path: &str) -> Vec<&'a Element> {
        let mut cur = vec![self];
        for p in path.split('/').filter(|p| !p.is_empty()) {
            cur = cur
                .into_iter()
                .flat_map(|e| {
                    e.children
                        .iter()
                        .filter(|c| c.name.eq_ignore_ascii_case(p))
                        .collect::<Vec<_>>()
                })
                .collect();
        }
        cur
    }

    /// This element and all below it, depth first.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            out.push(e);
            stack.extend(e.children.iter().rev());
        }
        out
    }

    /// Trimmed text of a child, when present and not empty.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }
}

/// Parses a document and returns its root element. Errors name the line.
pub fn parse(bytes: &[u8]) -> Result<Element, String> {
    // A UTF-8 BOM is common in Windows configuration files.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return parse(&utf16_to_utf8(bytes).into_bytes());
    }
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    reader.config_mut().check_end_names = true;
    let mut lines = LineCounter::default();
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    let mut buf = Vec::new();
    loop {
        let pos = reader.buffer_position() as usize;
        let ev = reader.read_event_into(&mut buf).map_err(|e| {
            format!(
                "line {}: {e}",
                lines.line_at(bytes, reader.error_position() as usize)
            )
        })?;
        match ev {
            Event::Start(s) | Event::Empty(s) if root.is_some() => {
                let _ = s;
                return Err(format!(
                    "line {}: content after the root element",
                    lines.line_at(bytes, pos)
                ));
            }
            Event::Start(ref s) | Event::Empty(ref s) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(format!("more than {MAX_ELEMENTS} elements"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "line {}: nesting deeper than {MAX_DEPTH} levels",
                        lines.line_at(bytes, pos)
                    ));
                }
                let line = lines.line_at(bytes, pos + leading_ws(&bytes[pos.min(bytes.len())..]));
                let el = element(s, line)?;
                if matches!(ev, Event::Empty(_)) {
                    close(el, &mut stack, &mut root);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                if let Some(el) = stack.pop() {
                    close(el, &mut stack, &mut root);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let raw = String::from_utf8_lossy(&t);
                    match quick_xml::escape::unescape(&raw) {
                        Ok(u) => top.text.push_str(&u),
                        Err(_) => top.text.push_str(&raw),
                    }
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(format!(
            "unexpected end of file inside <{}>",
            stack[stack.len() - 1].name
        ));
    }
    root.ok_or_else(|| "no root element".to_string())
}

fn close(el: Element, stack: &mut [Element], root: &mut Option<Element>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

fn element(s: &BytesStart<'_>, line: u64) -> Result<Element, String> {
    let name = String::from_utf8_lossy(s.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in s.attributes().with_checks(false) {
        let a = a.map_err(|e| format!("line {line}: bad attribute: {e}"))?;
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let raw = String::from_utf8_lossy(&a.value).into_owned();
        let value = match quick_xml::escape::unescape(&raw) {
            Ok(v) => v.into_owned(),
            Err(_) => raw,
        };
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        line,
        ..Element::default()
    })
}

fn leading_ws(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_whitespace()).count()
}

/// Counts newlines incrementally: positions only move forward while parsing.
#[derive(Default)]
struct LineCounter {
    pos: usize,
    line: u64,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], pos: usize) -> u64 {
        let pos = pos.min(bytes.len());
        if pos < self.pos {
            self.pos = 0;
            self.line = 0;
        }
        self.line += memchr_count(&bytes[self.pos..pos]);
        self.pos = pos;
        self.line + 1
    }
}

fn memchr_count(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

fn utf16_to_utf8(b: &[u8]) -> String {
    let le = b.starts_with(b"\xFF\xFE");
    let units: Vec<u16> = b[2..]
        .chunks_exact(2)
        .map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .collect();
    String::from_utf16_lossy(&units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_lines_and_attributes() {
        let doc = b"<?xml version=\"1.0\"?>\n<configuration>\n  <a x=\"1&amp;2\">\n    <b/>\n  </a>\n</configuration>\n";
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "configuration");
        assert_eq!(root.line, 2);
        let a = root.child("A").unwrap();
        assert_eq!(a.attr("X"), Some("1&2"));
        assert_eq!(a.line, 3);
        assert_eq!(a.child("b").unwrap().line, 4);
        assert_eq!(root.path_all("a/b").len(), 1);
    }

    #[test]
    fn hostile_documents_are_errors_not_crashes() {
        let laughs = b"<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><l>&b;</l>";
        // Custom entities are not expanded: either an error or the literal text, never growth.
        if let Ok(e) = parse(laughs) {
            assert!(e.text.len() < 64);
        }
        let deep = "<a>".repeat(MAX_DEPTH + 10);
        assert!(parse(deep.as_bytes()).unwrap_err().contains("nesting"));
        assert!(parse(b"<a><b></a>").is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"\xff\xfe<\x00a\x00/\x00>\x00").is_ok());
    }
}
