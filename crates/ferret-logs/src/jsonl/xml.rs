//! Event XML embedded in JSON strings (Sysmon for Linux via syslog, Azure
//! `SecurityEvent.EventData`), turned into the JSON shape the `evtx` crate
//! renders, so [`crate::evtx::record_fields`] names its fields.
//!
//! A deliberately small reader: elements, attributes, text, entities, CDATA;
//! comments, processing instructions and doctypes are skipped. It runs in
//! one pass over the input, nesting is capped, and malformed input yields
//! `None`.

use serde_json::{Map, Value as Json};

const MAX_DEPTH: usize = 32;

#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

/// The record JSON (`{"Event": {...}}`) for `<Event>` XML, or for a bare
/// `<EventData>`/`<UserData>` element (wrapped in an `Event`).
pub fn event_json(xml: &str) -> Option<Json> {
    let root = parse(xml)?;
    let name = local(&root.name);
    let event = match name {
        "Event" => element_json(&root, 0),
        "EventData" | "UserData" => {
            let mut m = Map::new();
            m.insert(name.to_owned(), element_json(&root, 0));
            Json::Object(m)
        }
        _ => return None,
    };
    let mut m = Map::new();
    m.insert("Event".to_owned(), event);
    Some(Json::Object(m))
}

/// The element name without a namespace prefix.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn element_json(node: &Node, depth: usize) -> Json {
    let text = node.text.trim();
    if node.attrs.is_empty() && node.children.is_empty() {
        return if text.is_empty() {
            Json::Null
        } else {
            Json::String(node.text.clone())
        };
    }
    let mut m = Map::new();
    if !node.attrs.is_empty() {
        let attrs: Map<String, Json> = node
            .attrs
            .iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect();
        m.insert("#attributes".to_owned(), Json::Object(attrs));
    }
    let mut unnamed: Vec<Json> = Vec::new();
    for child in &node.children {
        let name = local(&child.name);
        let data_name = (name == "Data")
            .then(|| child.attrs.iter().find(|(k, _)| k == "Name"))
            .flatten();
        if let Some((_, data_name)) = data_name {
            let v = if child.text.is_empty() {
                Json::Null
            } else {
                Json::String(child.text.clone())
            };
            insert_unique(&mut m, data_name, v);
        } else if name == "Data" {
            unnamed.push(Json::String(child.text.clone()));
        } else if depth < MAX_DEPTH {
            insert_unique(&mut m, name, element_json(child, depth + 1));
        }
    }
    if !unnamed.is_empty() {
        let text = if unnamed.len() == 1 {
            unnamed.pop().unwrap_or(Json::Null)
        } else {
            Json::Array(unnamed)
        };
        let mut d = Map::new();
        d.insert("#text".to_owned(), text);
        m.insert("Data".to_owned(), Json::Object(d));
    }
    if !text.is_empty() {
        m.insert("#text".to_owned(), Json::String(node.text.clone()));
    }
    Json::Object(m)
}

/// Inserts under `name`, or `name_1`, `name_2`... when taken (as the `evtx`
/// crate names repeated elements).
fn insert_unique(m: &mut Map<String, Json>, name: &str, v: Json) {
    if !m.contains_key(name) {
        m.insert(name.to_owned(), v);
        return;
    }
    for i in 1..=m.len() {
        let candidate = format!("{name}_{i}");
        if !m.contains_key(&candidate) {
            m.insert(candidate, v);
            return;
        }
    }
}

/// The root element of `xml`, or `None` when it is not well-formed enough.
fn parse(xml: &str) -> Option<Node> {
    let b = xml.as_bytes();
    let mut i = 0;
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    while i < b.len() {
        if b[i] != b'<' {
            let end = memchr::memchr(b'<', &b[i..]).map_or(b.len(), |n| i + n);
            let text = &xml[i..end];
            match stack.last_mut() {
                Some(top) => top.text.push_str(&unescape(text)),
                None if text.trim().is_empty() => {}
                None => return None,
            }
            i = end;
            continue;
        }
        let rest = &xml[i..];
        if rest.starts_with("<!--") {
            i += rest.find("-->")? + 3;
        } else if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
            let end = cdata.find("]]>")?;
            stack.last_mut()?.text.push_str(&cdata[..end]);
            i += 9 + end + 3;
        } else if rest.starts_with("<?") {
            i += rest.find("?>")? + 2;
        } else if rest.starts_with("<!") {
            i += rest.find('>')? + 1;
        } else if let Some(close) = rest.strip_prefix("</") {
            let end = close.find('>')?;
            let node = stack.pop()?;
            if close[..end].trim() != node.name {
                return None;
            }
            i += 2 + end + 1;
            match stack.last_mut() {
                Some(parent) => parent.children.push(node),
                None => root = Some(node),
            }
            if root.is_some() {
                break;
            }
        } else {
            let (node, self_closing, len) = start_tag(rest)?;
            i += len;
            if self_closing {
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => {
                        root = Some(node);
                        break;
                    }
                }
            } else {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                stack.push(node);
            }
        }
    }
    root
}

/// A start tag at the start of `s` (`<name a="v" ...>` or `.../>`): the node,
/// whether it closes itself, and the tag's length in bytes.
fn start_tag(s: &str) -> Option<(Node, bool, usize)> {
    let b = s.as_bytes();
    let mut i = 1;
    let name_end = s[i..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map(|n| i + n)?;
    let name = &s[i..name_end];
    if name.is_empty() {
        return None;
    }
    let mut node = Node {
        name: name.to_owned(),
        ..Node::default()
    };
    i = name_end;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i)? {
            b'>' => return Some((node, false, i + 1)),
            b'/' => return (b.get(i + 1) == Some(&b'>')).then_some((node, true, i + 2)),
            _ => {
                let eq = s[i..].find('=').map(|n| i + n)?;
                let key = s[i..eq].trim();
                let mut j = eq + 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                let quote = *b.get(j)?;
                if quote != b'"' && quote != b'\'' {
                    return None;
                }
                let close = memchr::memchr(quote, &b[j + 1..]).map(|n| j + 1 + n)?;
                if key.is_empty() || key.contains(|c: char| c.is_whitespace() || c == '>') {
                    return None;
                }
                node.attrs
                    .push((key.to_owned(), unescape(&s[j + 1..close]).into_owned()));
                i = close + 1;
            }
        }
    }
}

/// Replaces the five XML entities and numeric character references; an
/// unknown or broken reference is kept as written.
fn unescape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[..rest.len().min(12)].find(';');
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let num = entity.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evtx::record_fields;
    use ferret_core::Value;

    #[test]
    fn sysmon_for_linux_event_gets_evtx_names() {
        let xml = r#"<Event><System><Provider Name="Linux-Sysmon" Guid="{ff032593}"/><EventID>1</EventID><Version>5</Version><TimeCreated SystemTime="2022-05-11T18:10:20.399931000Z"/><EventRecordID>245753</EventRecordID><Correlation/><Execution ProcessID="1590" ThreadID="1590"/><Channel>Linux-Sysmon/Operational</Channel><Computer>UBUNTU5</Computer><Security UserId="0"/></System><EventData><Data Name="Image">/bin/bash</Data><Data Name="CommandLine">bash -c &quot;id&quot; &amp;&amp; echo &#x41;</Data><Data Name="RuleName"/></EventData></Event>"#;
        let f = record_fields(&event_json(xml).unwrap());
        assert_eq!(f.get("EventID"), Some(&Value::Int(1)));
        assert_eq!(f.get("EventRecordID"), Some(&Value::Int(245753)));
        assert_eq!(
            f.text("Channel").as_deref(),
            Some("Linux-Sysmon/Operational")
        );
        assert_eq!(f.text("Provider_Name").as_deref(), Some("Linux-Sysmon"));
        assert_eq!(f.text("Security_UserID").as_deref(), Some("0"));
        assert_eq!(f.get("Execution_ProcessID"), Some(&Value::Int(1590)));
        assert_eq!(
            f.text("CommandLine").as_deref(),
            Some("bash -c \"id\" && echo A")
        );
        assert_eq!(f.get("RuleName"), Some(&Value::Null));
        assert_eq!(
            f.text("TimeCreated").as_deref(),
            Some("2022-05-11T18:10:20.399931000Z")
        );
    }

    #[test]
    fn bare_event_data_and_unnamed_data() {
        let xml = "<EventData xmlns=\"x\"><Data>a</Data><Data>b &lt;c&gt;</Data><Binary>00</Binary></EventData>";
        let f = record_fields(&event_json(xml).unwrap());
        assert_eq!(
            f.get("Data"),
            Some(&Value::List(vec![Value::from("a"), Value::from("b <c>")]))
        );
        assert_eq!(f.text("Binary").as_deref(), Some("00"));
    }

    #[test]
    fn malformed_or_deep_input_is_refused() {
        for bad in [
            "<Event><System></Event>",
            "<Event",
            "<Event a=b></Event>",
            "text<Event/>",
            "<!-- open",
            "<Other/>",
            "",
        ] {
            assert!(event_json(bad).is_none(), "{bad}");
        }
        let deep = "<a>".repeat(10_000);
        assert!(event_json(&deep).is_none());
        assert_eq!(unescape("&bogus; &#xZZ; &amp"), "&bogus; &#xZZ; &amp");
    }
}
