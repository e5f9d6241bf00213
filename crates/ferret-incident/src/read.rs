//! Reading findings back from JSON lines (`--format jsonl` of any command):
//! each bad line becomes a [`ReadError`] naming the input and line, and
//! reading goes on.

use ferret_core::{escape_str, Finding};
use std::io::{BufRead, ErrorKind};

/// The longest line read as a finding; longer lines are skipped as errors.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// One line that could not be read as a finding.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}:{line}: {message}")]
pub struct ReadError {
    /// The input's name (escaped).
    pub source_name: String,
    /// 1-based line number (0 when the input itself failed).
    pub line: u64,
    /// What was wrong.
    pub message: String,
}

/// Reads JSON-lines findings from `input` named `name`; bad lines become
/// errors and reading goes on. Blank lines are skipped and CRLF endings
/// accepted. A failure of the input itself ends reading with one error.
pub fn read_findings(
    input: &mut dyn BufRead,
    name: &str,
    findings: &mut Vec<Finding>,
    errors: &mut Vec<ReadError>,
) {
    let _ = for_each_finding(input, name, &mut |item| {
        match item {
            Ok(f) => findings.push(f),
            Err(e) => errors.push(e),
        }
        Ok::<(), std::convert::Infallible>(())
    });
}

/// As [`read_findings`], handing each finding or bad line to `each` as it is
/// read (at most one line of [`MAX_LINE`] bytes held), so a large file or a
/// pipe streams. Stops at the first error `each` returns, and returns it.
pub fn for_each_finding<E>(
    input: &mut dyn BufRead,
    name: &str,
    each: &mut dyn FnMut(Result<Finding, ReadError>) -> Result<(), E>,
) -> Result<(), E> {
    let source_name = escape_str(name);
    let error = |line: u64, message: String| ReadError {
        source_name: source_name.clone(),
        line,
        message,
    };
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let too_long = match read_line_capped(input, &mut buf, MAX_LINE) {
            Ok(None) => break,
            Ok(Some(too_long)) => too_long,
            Err(e) => {
                each(Err(error(
                    0,
                    format!(
                        "reading stopped after line {line_no}: {}",
                        escape_str(&e.to_string())
                    ),
                )))?;
                break;
            }
        };
        line_no += 1;
        if too_long {
            each(Err(error(
                line_no,
                format!("line longer than {} MiB, skipped", MAX_LINE >> 20),
            )))?;
            continue;
        }
        match parse_line(&buf) {
            Ok(Some(f)) => each(Ok(f))?,
            Ok(None) => {}
            Err(message) => each(Err(error(line_no, message)))?,
        }
    }
    Ok(())
}

/// Reads one line (without its `\n`) into `buf`, keeping at most `cap` bytes:
/// `None` at the end of input, else whether the line was longer than `cap`.
fn read_line_capped(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Option<bool>> {
    let mut read_any = false;
    let mut too_long = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(read_any.then_some(too_long));
        }
        read_any = true;
        let (part, used, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(p) => (&chunk[..p], p + 1, true),
            None => (chunk, chunk.len(), false),
        };
        if !too_long {
            if buf.len() + part.len() > cap {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(part);
            }
        }
        input.consume(used);
        if done {
            return Ok(Some(too_long));
        }
    }
}

/// One line: a finding, `None` for a blank line, or why it is not a finding.
fn parse_line(line: &[u8]) -> Result<Option<Finding>, String> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Ok(text) = std::str::from_utf8(line) else {
        return Err("not UTF-8 text, so not a JSON finding".into());
    };
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Ok(None);
    }
    let finding_error = match serde_json::from_str::<Finding>(text) {
        Ok(f) => return Ok(Some(f)),
        Err(e) => e,
    };
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Err(format!("not JSON: {}", escape_str(&e.to_string()))),
    };
    let Some(obj) = value.as_object() else {
        let kind = match value {
            serde_json::Value::Array(_) => "an array",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::Bool(_) => "a boolean",
            _ => "null",
        };
        return Err(format!(
            "JSON {kind}, not a finding (a finding is a JSON object)"
        ));
    };
    if let Some(record) = obj.get("record").and_then(|r| r.as_str()) {
        return Err(format!(
            "an inventory record (record {}), not a finding: read `ferret inventory --format jsonl` findings instead of its records",
            escape_str(&format!("{record:?}"))
        ));
    }
    let looks_like_finding = ["id", "rule", "subject", "severity"]
        .iter()
        .all(|k| obj.contains_key(*k));
    if looks_like_finding {
        return Err(format!(
            "a finding that does not match the finding contract (docs/finding.md): {}",
            escape_str(&finding_error.to_string())
        ));
    }
    let mut keys: Vec<String> = obj.keys().take(8).map(|k| escape_str(k)).collect();
    if obj.len() > keys.len() {
        keys.push("...".into());
    }
    Err(format!(
        "a JSON object of another kind (keys: {}), not a finding (no id, rule, subject and severity)",
        keys.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_skipped_and_reading_goes_on() {
        let mut input: &[u8] = b"0123456789\nabc\r\n\n  \nxyz";
        let mut lines = Vec::new();
        let mut buf = Vec::new();
        while let Some(long) = read_line_capped(&mut input, &mut buf, 5).expect("read") {
            lines.push((String::from_utf8_lossy(&buf).into_owned(), long));
            buf.clear();
        }
        assert_eq!(
            lines,
            [
                (String::new(), true),
                ("abc\r".into(), false),
                (String::new(), false),
                ("  ".into(), false),
                ("xyz".into(), false)
            ]
        );
    }

    #[test]
    fn other_json_is_named() {
        let e = parse_line(br#"{"record":"component","server":"iis"}"#).unwrap_err();
        assert!(e.contains("inventory record"), "{e}");
        let e = parse_line(b"[1,2]").unwrap_err();
        assert!(e.contains("array"), "{e}");
        let e = parse_line(b"{\"a\":1}").unwrap_err();
        assert!(e.contains("keys: a"), "{e}");
        let e = parse_line(b"{not json\x1b[2J").unwrap_err();
        assert!(e.starts_with("not JSON"), "{e}");
        assert!(parse_line(b"\r").expect("blank").is_none());
    }

    #[test]
    fn streaming_stops_at_the_callers_error() {
        let mut input: &[u8] = b"not json\nalso not\nstill not\n";
        let mut seen = Vec::new();
        let r = for_each_finding(&mut input, "x.jsonl", &mut |item| {
            seen.push(item.expect_err("no finding here").line);
            if seen.len() == 2 {
                Err("stop")
            } else {
                Ok(())
            }
        });
        assert_eq!(r, Err("stop"));
        assert_eq!(seen, [1, 2]);
    }
}
