//! The loop shared by the line-based text readers (auditd, W3C, combined,
//! ESXi, SQL Server ERRORLOG): bounded lines in, items out, counts kept.

use crate::lines::{Line, LineReader};
use crate::{Item, ReadError, ReadOptions, ReadStats, Sink};
use ferret_core::{Event, EventSource, Fields, LogFormat, Timestamp};
use std::io::BufRead;
use std::ops::ControlFlow;

/// Where a text reader sends its events and errors; counts them.
pub(crate) struct Emitter<'s, 'a> {
    display: &'s str,
    sink: &'s mut Sink<'a>,
    stats: ReadStats,
}

impl<'s, 'a> Emitter<'s, 'a> {
    /// An emitter for the log shown as `display`.
    pub(crate) fn new(display: &'s str, sink: &'s mut Sink<'a>) -> Emitter<'s, 'a> {
        Emitter {
            display,
            sink,
            stats: ReadStats::default(),
        }
    }

    /// Hands on one event whose first line is `line`.
    pub(crate) fn event(
        &mut self,
        format: LogFormat,
        line: u64,
        time: Option<Timestamp>,
        fields: Fields,
    ) -> ControlFlow<()> {
        self.stats.events += 1;
        (self.sink)(Item::Event(Event {
            source: EventSource {
                path: self.display.to_owned(),
                record_id: None,
                line: Some(line),
            },
            format,
            time,
            fields,
        }))
    }

    /// Hands on an error about line `line`.
    pub(crate) fn error(&mut self, line: u64, message: impl Into<String>) -> ControlFlow<()> {
        self.stats.errors += 1;
        (self.sink)(Item::Error(ReadError::at_line(self.display, line, message)))
    }
}

/// A line-by-line parser for one text format.
pub(crate) trait LineParser {
    /// One line (without its end of line), 1-based number `no`.
    fn line(&mut self, out: &mut Emitter<'_, '_>, no: u64, text: &[u8]) -> ControlFlow<()>;

    /// Line `no` was too long and was skipped (already reported); records
    /// spanning lines should end here.
    fn skipped(&mut self, out: &mut Emitter<'_, '_>, no: u64) -> ControlFlow<()> {
        let _ = (out, no);
        ControlFlow::Continue(())
    }

    /// The end of the input: hand on whatever is pending.
    fn finish(&mut self, out: &mut Emitter<'_, '_>) -> ControlFlow<()>;
}

/// Feeds every line of `r` to `parser`, reporting over-long lines and I/O
/// errors, until the input ends or the sink says stop.
pub(crate) fn run<R: BufRead, P: LineParser>(
    display: &str,
    r: R,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
    parser: &mut P,
) -> ReadStats {
    let mut out = Emitter::new(display, sink);
    let mut lines = LineReader::new(r, opts.max_line);
    let mut stopped = false;
    loop {
        // The number of the line about to be read (or that failed to read).
        let no = lines.line_no() + 1;
        let flow = match lines.next_line() {
            Ok(None) => break,
            Ok(Some(Line::Text(text))) => parser.line(&mut out, no, text),
            Ok(Some(Line::TooLong(_))) => {
                let message = format!("line {no} longer than {} bytes, skipped", opts.max_line);
                match out.error(no, message) {
                    ControlFlow::Break(()) => ControlFlow::Break(()),
                    ControlFlow::Continue(()) => parser.skipped(&mut out, no),
                }
            }
            Err(e) => {
                let _ = out.error(no, format!("read error: {e}"));
                break;
            }
        };
        if flow.is_break() {
            stopped = true;
            break;
        }
    }
    if !stopped {
        let _ = parser.finish(&mut out);
    }
    let mut stats = out.stats;
    stats.bytes = lines.bytes();
    stats
}

/// Whether the first line of `head` that is not blank satisfies `test`, and
/// `most` of the first `n` complete non-blank lines do (a cut last line is
/// ignored unless it is the only one).
pub(crate) fn most_lines(head: &[u8], n: usize, test: impl Fn(&[u8]) -> bool) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut parts: Vec<&[u8]> = head.split(|&b| b == b'\n').collect();
    if parts.len() > 1 && !head.ends_with(b"\n") {
        parts.pop();
    }
    let lines: Vec<&[u8]> = parts
        .into_iter()
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(n)
        .collect();
    let Some(first) = lines.first() else {
        return false;
    };
    if !test(first) {
        return false;
    }
    let good = lines.iter().filter(|l| test(l)).count();
    good * 2 > lines.len()
}

/// Appends a continuation line to a multi-line message, keeping it under
/// `cap` bytes (cut on a character boundary); returns whether it was cut.
pub(crate) fn append_capped(message: &mut String, line: &str, cap: usize) -> bool {
    let room = cap.saturating_sub(message.len() + 1);
    if room == 0 {
        return !line.is_empty() || message.len() >= cap;
    }
    message.push('\n');
    let kept = truncated(line, room);
    message.push_str(kept);
    kept.len() < line.len()
}

/// `s` cut to at most `cap` bytes, on a character boundary.
pub(crate) fn truncated(s: &str, cap: usize) -> &str {
    if s.len() <= cap {
        return s;
    }
    let mut end = cap;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Parses `HH:MM:SS` with an optional fraction into (hour, minute, second,
/// microseconds).
pub(crate) fn parse_hms(s: &str) -> Option<(u32, u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let (h, m, sec) = (n(0..2)?, n(3..5)?, n(6..8)?);
    let micros = match &b[8..] {
        [] => 0,
        [b'.', frac @ ..] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => {
            let mut v = 0u32;
            for i in 0..6 {
                v = v * 10 + frac.get(i).map_or(0, |d| u32::from(d - b'0'));
            }
            v
        }
        _ => return None,
    };
    Some((h, m, sec, micros))
}

/// Parses `YYYY-MM-DD` into (year, month, day).
pub(crate) fn parse_ymd(s: &str) -> Option<(i64, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<&str> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then_some(part)
    };
    Some((
        digits(0..4)?.parse().ok()?,
        digits(5..7)?.parse().ok()?,
        digits(8..10)?.parse().ok()?,
    ))
}

/// The instant named by a `YYYY-MM-DD` date and an `HH:MM:SS(.fff)` time in UTC.
pub(crate) fn date_time(date: &str, time: &str) -> Option<Timestamp> {
    let (y, mo, d) = parse_ymd(date)?;
    let (h, mi, s, us) = parse_hms(time)?;
    Timestamp::from_civil(y, mo, d, h, mi, s, us)
}

/// Helpers for the readers' tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::{Item, ReadError, ReadStats, Sink};
    use ferret_core::Event;
    use std::ops::ControlFlow;

    /// Everything a read hands on, and its counts.
    pub(crate) fn collect(read: impl FnOnce(&mut Sink<'_>) -> ReadStats) -> (Vec<Item>, ReadStats) {
        let mut items = Vec::new();
        let stats = read(&mut |i| {
            items.push(i);
            ControlFlow::Continue(())
        });
        (items, stats)
    }

    /// The events among `items`.
    pub(crate) fn events(items: &[Item]) -> Vec<&Event> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Event(e) => Some(e),
                Item::Error(_) => None,
            })
            .collect()
    }

    /// The errors among `items`.
    pub(crate) fn errors(items: &[Item]) -> Vec<&ReadError> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Error(e) => Some(e),
                Item::Event(_) => None,
            })
            .collect()
    }

    /// An event's time as RFC 3339.
    pub(crate) fn time(e: &Event) -> Option<String> {
        e.time.map(|t| t.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_is_capped_on_char_boundaries() {
        let mut m = String::from("ab");
        assert!(!append_capped(&mut m, "cd", 10));
        assert_eq!(m, "ab\ncd");
        assert!(append_capped(&mut m, "ééé", 9));
        assert_eq!(m, "ab\ncd\né");
        assert!(append_capped(&mut m, "x", 9));
        assert_eq!(m, "ab\ncd\né");
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(parse_hms("10:11:12.5"), Some((10, 11, 12, 500_000)));
        assert_eq!(parse_hms("10:11:12."), None);
        assert_eq!(parse_hms("10:11"), None);
        assert_eq!(
            date_time("2019-09-03", "10:13:36").map(|t| t.to_rfc3339()),
            Some("2019-09-03T10:13:36.000000Z".to_owned())
        );
        assert_eq!(date_time("2019-13-03", "10:13:36"), None);
    }

    #[test]
    fn most_lines_ignores_a_cut_tail() {
        let ok = |l: &[u8]| l.starts_with(b"ok");
        assert!(most_lines(b"ok 1\nok 2\nbad", 5, ok));
        assert!(!most_lines(b"bad\nok\nok\n", 5, ok));
        assert!(!most_lines(b"ok\nbad\nbad\n", 5, ok));
        assert!(!most_lines(b"\n\n", 5, ok));
        assert!(most_lines(b"ok-only-cut", 5, ok));
    }
}
