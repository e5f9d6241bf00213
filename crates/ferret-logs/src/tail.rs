//! Streaming a text log as it grows: bytes appended to a log are pushed in
//! any chunks; complete lines go through the format's own reader, with what
//! the format needs carried across chunks (W3C `#Fields:`, `#Date:` and
//! `#GMT-Offset:` directives) and line numbers counted from the start of the
//! file. An incomplete last line waits for its end.
//!
//! Formats followed: Apache/nginx combined, IIS/W3C, JSON lines and auditd
//! (see [`tailable`]). For every format but auditd the events equal those of reading the whole
//! input at once. An auditd event spans several lines closed by an `EOE`
//! record, so lines after the last `EOE` are held back until more arrive or
//! [`Tailer::flush`] is called (the caller does so when the log is quiet).
//!
//! [`TailState`] is what a caller stores to resume after a restart: the
//! offset of the first byte not yet handed to a reader, the lines before it,
//! and the carried context.

use crate::dispatch::HEAD_LEN;
use crate::{auditd, combined, jsonl, w3c};
use crate::{Item, ReadOptions, ReadStats, Sink};
use ferret_core::LogFormat;
use std::ops::ControlFlow;

/// Auditd lines held back waiting for an `EOE` record, at most.
const MAX_HELD: usize = 1 << 20;

/// Where a tail stands: enough to resume it after a restart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TailState {
    /// Bytes of the file already handed to the reader (whole lines).
    pub offset: u64,
    /// Lines before `offset`.
    pub line: u64,
    /// Lines the format carries across chunks (W3C directives), each ending in `\n`.
    pub context: Vec<u8>,
}

/// A format that cannot be streamed (binary, compressed, or records whose
/// end is not known from the lines themselves).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{display}: {format} logs cannot be followed as they grow")]
pub struct NotTailable {
    /// The log, as shown.
    pub display: String,
    /// Its format.
    pub format: LogFormat,
}

/// Whether `format` can be followed line by line.
pub fn tailable(format: LogFormat) -> bool {
    matches!(
        format,
        LogFormat::Combined | LogFormat::W3c | LogFormat::Jsonl | LogFormat::Auditd
    )
}

/// The format of a growing text log from its name and first bytes; `None`
/// when unknown or not tailable (see [`tailable`]).
pub fn sniff_tailable(name: &str, head: &[u8]) -> Option<LogFormat> {
    let head = &head[..head.len().min(HEAD_LEN)];
    crate::dispatch::sniff(name, head).filter(|f| tailable(*f))
}

/// Follows one log: push appended bytes, get events for complete lines.
#[derive(Debug)]
pub struct Tailer {
    format: LogFormat,
    display: String,
    opts: ReadOptions,
    state: TailState,
    /// Bytes after `state.offset` not yet handed on: held auditd lines, then
    /// the incomplete last line.
    pending: Vec<u8>,
    /// Bytes of the incomplete last line dropped because it is over-long.
    dropped: u64,
}

impl Tailer {
    /// A tail of the log shown as `display`, from its start.
    pub fn new(format: LogFormat, display: &str, opts: ReadOptions) -> Result<Tailer, NotTailable> {
        Tailer::resume(format, display, opts, TailState::default())
    }

    /// A tail resumed where `state` says (a saved [`Tailer::state`]).
    pub fn resume(
        format: LogFormat,
        display: &str,
        opts: ReadOptions,
        state: TailState,
    ) -> Result<Tailer, NotTailable> {
        if !tailable(format) {
            return Err(NotTailable {
                display: display.to_owned(),
                format,
            });
        }
        Ok(Tailer {
            format,
            display: display.to_owned(),
            opts,
            state,
            pending: Vec::new(),
            dropped: 0,
        })
    }

    /// The format followed.
    pub fn format(&self) -> LogFormat {
        self.format
    }

    /// What to save to resume later (lines handed on so far).
    pub fn state(&self) -> &TailState {
        &self.state
    }

    /// Where the next pushed bytes start in the file.
    pub fn position(&self) -> u64 {
        self.state.offset + self.pending.len() as u64 + self.dropped
    }

    /// Takes bytes appended to the log; hands on the events and errors of
    /// the complete lines among them.
    pub fn push(&mut self, bytes: &[u8], sink: &mut Sink<'_>) -> ReadStats {
        let mut stats = ReadStats::default();
        let mut rest = bytes;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            self.append_partial(&rest[..=nl]);
            rest = &rest[nl + 1..];
            if self.dropped > 0 {
                // An over-long line ended: hand on what was kept of it (the
                // reader reports it as too long) and account for the rest.
                stats.add(self.hand_on(self.pending.len(), sink));
            }
        }
        self.append_partial(rest);
        let complete = self.complete_len();
        let ready = if self.format == LogFormat::Auditd && complete <= MAX_HELD {
            last_eoe_end(&self.pending[..complete])
        } else {
            complete
        };
        if ready > 0 {
            stats.add(self.hand_on(ready, sink));
        }
        stats
    }

    /// Hands on every complete line held back (auditd lines waiting for an
    /// `EOE`); the incomplete last line still waits for its end.
    pub fn flush(&mut self, sink: &mut Sink<'_>) -> ReadStats {
        let complete = self.complete_len();
        if complete == 0 {
            return ReadStats::default();
        }
        self.hand_on(complete, sink)
    }

    /// Hands on the incomplete last line as if it were ended (the end of a
    /// whole input), then everything held.
    pub fn finish(&mut self, sink: &mut Sink<'_>) -> ReadStats {
        if !self.pending.is_empty() && self.pending.last() != Some(&b'\n') {
            self.pending.push(b'\n');
            let mut stats = self.hand_on(self.pending.len(), sink);
            // The added end of line is not in the file.
            self.state.offset -= 1;
            stats.bytes = stats.bytes.saturating_sub(1);
            return stats;
        }
        self.flush(sink)
    }

    /// Bytes of `pending` up to the end of its last complete line.
    fn complete_len(&self) -> usize {
        memchr::memrchr(b'\n', &self.pending).map_or(0, |i| i + 1)
    }

    /// Adds bytes of the current line(s), keeping at most one byte more than
    /// `max_line` of an incomplete line.
    fn append_partial(&mut self, bytes: &[u8]) {
        let line_start = memchr::memrchr(b'\n', &self.pending).map_or(0, |i| i + 1);
        let line_len = self.pending.len() - line_start;
        let cap = self.opts.max_line.saturating_add(2);
        let (content, end) = match bytes.last() {
            Some(b'\n') => (&bytes[..bytes.len() - 1], &bytes[bytes.len() - 1..]),
            _ => (bytes, &bytes[..0]),
        };
        let room = cap.saturating_sub(line_len);
        let keep = content.len().min(room);
        self.pending.extend_from_slice(&content[..keep]);
        self.dropped += (content.len() - keep) as u64;
        self.pending.extend_from_slice(end);
    }

    /// Runs the reader over the first `len` bytes of `pending` (whole lines),
    /// behind the carried context; renumbers lines; advances the state.
    fn hand_on(&mut self, len: usize, sink: &mut Sink<'_>) -> ReadStats {
        let chunk: Vec<u8> = self.pending.drain(..len).collect();
        let consumed = chunk.len() as u64 + std::mem::take(&mut self.dropped);
        let lines = memchr::memchr_iter(b'\n', &chunk).count() as u64;
        let context_lines = memchr::memchr_iter(b'\n', &self.state.context).count() as u64;
        let mut input = Vec::with_capacity(self.state.context.len() + chunk.len());
        input.extend_from_slice(&self.state.context);
        input.extend_from_slice(&chunk);
        let base = self.state.line;
        let renumber = |n: u64| base + n.saturating_sub(context_lines);
        let mut forward = |item: Item| -> ControlFlow<()> {
            let item = match item {
                Item::Event(mut e) => {
                    e.source.line = e.source.line.map(renumber);
                    Item::Event(e)
                }
                Item::Error(mut e) => {
                    e.line = e.line.map(renumber);
                    Item::Error(e)
                }
            };
            sink(item)
        };
        let mut stats = read_text(self.format, &self.display, &input, &self.opts, &mut forward);
        stats.bytes = consumed;
        if self.format == LogFormat::W3c {
            self.state.context = w3c_context(&self.state.context, &chunk, self.opts.max_line);
        }
        self.state.offset += consumed;
        self.state.line += lines;
        stats
    }
}

fn read_text(
    format: LogFormat,
    display: &str,
    input: &[u8],
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> ReadStats {
    match format {
        LogFormat::Combined => combined::read(display, input, opts, sink),
        LogFormat::W3c => w3c::read(display, input, opts, sink),
        LogFormat::Jsonl => jsonl::read(display, input, opts, sink),
        LogFormat::Auditd => auditd::read(display, input, opts, sink),
        _ => ReadStats::default(),
    }
}

/// The directive kinds a W3C reader keeps state for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Directive {
    Fields,
    Date,
    Offset,
}

fn directive_of(line: &[u8]) -> Option<Directive> {
    let text = String::from_utf8_lossy(line);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let rest = text.strip_prefix('#')?;
    let (name, _) = rest.split_once(':')?;
    match name.trim().to_ascii_lowercase().as_str() {
        "fields" => Some(Directive::Fields),
        "date" | "start-date" => Some(Directive::Date),
        "gmt-offset" => Some(Directive::Offset),
        _ => None,
    }
}

/// The last directive line of each kind among `old` then `chunk` (lines the
/// reader skips as too long are not directives to it either).
fn w3c_context(old: &[u8], chunk: &[u8], max_line: usize) -> Vec<u8> {
    let mut last: Vec<(Directive, Vec<u8>)> = Vec::new();
    for line in old
        .split_inclusive(|&b| b == b'\n')
        .chain(chunk.split_inclusive(|&b| b == b'\n'))
    {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        if body.len() > max_line {
            continue;
        }
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if let Some(kind) = directive_of(body) {
            last.retain(|(k, _)| *k != kind);
            let mut kept = body.to_vec();
            kept.push(b'\n');
            last.push((kind, kept));
        }
    }
    last.into_iter().flat_map(|(_, l)| l).collect()
}

/// The end of the last line of `lines` holding an auditd `EOE` record (0 when none).
fn last_eoe_end(lines: &[u8]) -> usize {
    let mut end = 0;
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', lines) {
        let line = &lines[start..nl];
        if line
            .split(|b| b.is_ascii_whitespace())
            .any(|t| t == b"type=EOE")
        {
            end = nl + 1;
        }
        start = nl + 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Collected, ReadError};
    use ferret_core::Event;

    fn whole(format: LogFormat, data: &[u8]) -> (Vec<Event>, Vec<ReadError>) {
        let c =
            Collected::from_read(|s| read_text(format, "log", data, &ReadOptions::default(), s));
        (c.events, c.errors)
    }

    fn chunked(
        format: LogFormat,
        data: &[u8],
        sizes: &[usize],
    ) -> (Vec<Event>, Vec<ReadError>, Tailer) {
        let mut t = Tailer::new(format, "log", ReadOptions::default()).unwrap();
        let mut rest = data;
        let mut i = 0;
        let c = Collected::from_read(|s| {
            let mut stats = ReadStats::default();
            while !rest.is_empty() {
                let n = sizes[i % sizes.len()].clamp(1, rest.len());
                i += 1;
                stats.add(t.push(&rest[..n], s));
                rest = &rest[n..];
            }
            stats.add(t.finish(s));
            stats
        });
        (c.events, c.errors, t)
    }

    #[test]
    fn w3c_fields_carry_across_chunks_and_lines_count_from_the_start() {
        let data = b"#Software: IIS\r\n#Fields: date time cs-method cs-uri-stem sc-status\r\n\
2024-01-01 00:00:01 GET /a.aspx 200\r\n2024-01-01 00:00:02 POST /b.aspx 200\r\n\
#Fields: date time cs-uri-stem\r\n2024-01-01 00:00:03 /c.aspx\r\nbad\r\n";
        let (we, wr) = whole(LogFormat::W3c, data);
        assert!(we.len() >= 3, "{we:?}");
        for sizes in [&[1usize][..], &[7, 3], &[40], &[1000]] {
            let (ce, cr, t) = chunked(LogFormat::W3c, data, sizes);
            assert_eq!(ce, we, "{sizes:?}");
            assert_eq!(cr, wr, "{sizes:?}");
            assert_eq!(t.state().offset, data.len() as u64);
            assert_eq!(t.state().line, 7);
        }
        assert_eq!(we[2].source.line, Some(6));
    }

    #[test]
    fn resuming_from_a_saved_state_numbers_lines_on() {
        let head = b"#Fields: time cs-uri-stem\n00:00:01 /a\n";
        let tail = b"00:00:02 /b\n";
        let mut t = Tailer::new(LogFormat::W3c, "log", ReadOptions::default()).unwrap();
        let _ = Collected::from_read(|s| t.push(head, s));
        let saved = t.state().clone();
        assert_eq!(saved.offset, head.len() as u64);
        let mut r = Tailer::resume(LogFormat::W3c, "log", ReadOptions::default(), saved).unwrap();
        let c = Collected::from_read(|s| r.push(tail, s));
        assert_eq!(c.events.len(), 1);
        assert_eq!(c.events[0].source.line, Some(3));
        assert_eq!(
            c.events[0].fields.text("cs-uri-stem").as_deref(),
            Some("/b")
        );
    }

    #[test]
    fn incomplete_lines_wait_and_auditd_waits_for_eoe() {
        let mut t = Tailer::new(LogFormat::Combined, "log", ReadOptions::default()).unwrap();
        let line = b"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /a.php HTTP/1.1\" 200 2 \"-\" \"c\"\n";
        let c = Collected::from_read(|s| t.push(&line[..20], s));
        assert_eq!(c.events.len(), 0);
        assert_eq!(t.position(), 20);
        assert_eq!(t.state().offset, 0);
        let c = Collected::from_read(|s| t.push(&line[20..], s));
        assert_eq!(c.events.len(), 1);

        let audit = b"type=SYSCALL msg=audit(1700000000.123:1): syscall=59 exe=\"/bin/sh\"\n\
type=EXECVE msg=audit(1700000000.123:1): argc=1 a0=\"sh\"\n";
        let mut a = Tailer::new(LogFormat::Auditd, "audit.log", ReadOptions::default()).unwrap();
        let c = Collected::from_read(|s| a.push(audit, s));
        assert_eq!(c.events.len(), 0);
        let c = Collected::from_read(|s| a.push(b"type=EOE msg=audit(1700000000.123:1): \n", s));
        assert_eq!(c.events.len(), 1);
        let c = Collected::from_read(|s| a.push(&audit[..audit.len() / 2 + 10], s));
        assert_eq!(c.events.len(), 0);
        let c = Collected::from_read(|s| a.flush(s));
        assert_eq!(c.events.len(), 1);
    }

    #[test]
    fn over_long_lines_cost_bounded_memory_and_are_reported() {
        let opts = ReadOptions {
            max_line: 16,
            ..ReadOptions::default()
        };
        let mut t = Tailer::new(LogFormat::Jsonl, "x.json", opts).unwrap();
        let c = Collected::from_read(|s| {
            let mut st = t.push(b"{\"a\":\"", s);
            for _ in 0..100 {
                st.add(t.push(&[b'x'; 1000], s));
            }
            assert!(t.pending.len() <= 18);
            st.add(t.push(b"\"}\n{\"b\":1}\n", s));
            st
        });
        assert_eq!((c.events.len(), c.errors.len()), (1, 1));
        assert_eq!(c.events[0].source.line, Some(2));
        assert_eq!(t.state().offset, 6 + 100_000 + 11);
        assert!(Tailer::new(LogFormat::Evtx, "x", ReadOptions::default()).is_err());
    }
}
