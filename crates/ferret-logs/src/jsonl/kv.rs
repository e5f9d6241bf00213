//! Audit records carried as text inside JSON (auoms via syslog):
//! `type=AUOMS_EXECVE audit(1652292621.986:84138): key=value key="quoted" ...`.
//!
//! auoms does not escape quotes inside quoted values (`cmdline="bash -c "x""`),
//! so a quoted value ends at the quote that is followed by the end of the text
//! or by ` key=`.

/// The pairs of an audit record: `type`, `serial` (from `audit(T:N)`), then
/// each `key=value` in order, values unquoted. `None` when `text` is not one.
pub fn audit_pairs(text: &str) -> Option<Vec<(String, String)>> {
    let rest = text.trim_start().strip_prefix("type=")?;
    let type_end = rest.find(' ')?;
    let (kind, rest) = rest.split_at(type_end);
    let rest = rest.trim_start();
    let inner = rest.strip_prefix("audit(")?;
    let close = inner.find("):")?;
    let stamp = &inner[..close];
    let serial = stamp
        .rsplit(':')
        .next()
        .filter(|s| s.chars().all(|c| c.is_ascii_digit()))?;
    let mut out = vec![
        ("type".to_owned(), kind.to_owned()),
        ("serial".to_owned(), serial.to_owned()),
    ];
    let mut body = &inner[close + 2..];
    loop {
        body = body.trim_start();
        if body.is_empty() {
            return Some(out);
        }
        let Some(eq) = body.find('=') else {
            return Some(out);
        };
        let key = &body[..eq];
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            // Not a key: skip one word and go on.
            body = body.find(' ').map_or("", |sp| &body[sp..]);
            continue;
        }
        let value_start = &body[eq + 1..];
        let (value, after) = if let Some(quoted) = value_start.strip_prefix('"') {
            let end = quoted_end(quoted);
            (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
        } else {
            let end = value_start.find(' ').unwrap_or(value_start.len());
            (&value_start[..end], &value_start[end..])
        };
        out.push((key.to_owned(), value.to_owned()));
        body = after;
    }
}

/// Where a quoted value ends in `s` (the text after its opening quote): the
/// first quote followed by the end or by ` key=`; the whole text if none.
fn quoted_end(s: &str) -> usize {
    let mut from = 0;
    while let Some(q) = s[from..].find('"').map(|n| from + n) {
        let after = &s[q + 1..];
        if after.is_empty() || starts_with_pair(after) {
            return q;
        }
        from = q + 1;
    }
    s.len()
}

fn starts_with_pair(s: &str) -> bool {
    let Some(s) = s.strip_prefix(' ') else {
        return false;
    };
    let key_len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    key_len > 0 && s[key_len..].starts_with('=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auoms_record_with_nested_quotes() {
        let rec = r#"type=AUOMS_EXECVE audit(1652292621.990:84143): SchemaVersion="1" pid=17790 comm="bash" exe="/bin/bash" tty=(none) path_name=["/bin/bash","/lib64/ld"] cmdline="bash -c "{echo,YmFz}|{base64,-d}"" redactors= containerid="#;
        let p = audit_pairs(rec).unwrap();
        let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("type"), Some("AUOMS_EXECVE"));
        assert_eq!(get("serial"), Some("84143"));
        assert_eq!(get("SchemaVersion"), Some("1"));
        assert_eq!(get("exe"), Some("/bin/bash"));
        assert_eq!(get("tty"), Some("(none)"));
        assert_eq!(get("path_name"), Some(r#"["/bin/bash","/lib64/ld"]"#));
        assert_eq!(get("cmdline"), Some(r#"bash -c "{echo,YmFz}|{base64,-d}""#));
        assert_eq!(get("redactors"), Some(""));
        assert_eq!(get("containerid"), Some(""));
    }

    #[test]
    fn not_an_audit_record() {
        assert!(audit_pairs("hello world").is_none());
        assert!(audit_pairs("type=X audit(abc): a=b").is_none());
        assert!(audit_pairs("type=X").is_none());
        let p = audit_pairs("type=X audit(1.0:7): =junk a=\"unterminated").unwrap();
        assert_eq!(p.last(), Some(&("a".to_owned(), "unterminated".to_owned())));
    }
}
