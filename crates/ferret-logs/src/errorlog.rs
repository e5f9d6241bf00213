//! SQL Server `ERRORLOG`: UTF-16LE with a byte-order mark as SQL Server
//! writes it (also UTF-16LE without one, UTF-8 and ASCII), lines
//! `2019-05-12 23:59:59.12 spid51      message`.
//!
//! Fields: `Message`, `Source` (`spid51`, `Server`, `Logon`, `Backup`...),
//! `EventTime` (the timestamp as written). The timestamp is the server's
//! local time without a zone and is taken as UTC. Lines without a timestamp
//! continue the previous event's `Message` (joined with `\n`, capped at
//! [`MAX_MESSAGE`] bytes); blank lines are skipped.

use crate::textlog::{self, Emitter, LineParser};
use crate::{ReadOptions, ReadStats, Sink};
use ferret_core::{Fields, LogFormat, Timestamp};
use std::cell::Cell;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::rc::Rc;

/// Longest `Message` kept for one event, continuation lines included.
pub const MAX_MESSAGE: usize = 64 << 10;

/// Whether `head` (the first bytes of a file) looks like an ERRORLOG: a
/// UTF-16LE byte-order mark and a timestamped first line, or timestamped
/// lines whose source column is `spidN`, `Server`, `Logon` or `Backup`.
pub fn looks_like(head: &[u8]) -> bool {
    match Encoding::sniff(head) {
        Encoding::Utf16Le { bom } => {
            let body = if bom { &head[2..] } else { head };
            let mut text = Vec::new();
            let mut dec = Utf16LeReader::new(body, Rc::new(Cell::new(0)));
            if dec.read_to_end(&mut text).is_err() {
                return false;
            }
            first_is_header(&text) && textlog::most_lines(&text, 5, |l| header_with_source(l, bom))
        }
        Encoding::Utf8 => {
            first_is_header(head) && textlog::most_lines(head, 5, |l| header_with_source(l, false))
        }
    }
}

/// Whether the first non-blank line starts with a timestamp.
fn first_is_header(text: &[u8]) -> bool {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    text.split(|&b| b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
        .is_some_and(|l| Header::parse(&String::from_utf8_lossy(l)).is_some())
}

/// Whether `line` starts with a timestamp and (unless `any_source`) a known
/// source column, or is an indented continuation line.
fn header_with_source(line: &[u8], any_source: bool) -> bool {
    // Continuation lines (the startup banner's) neither count for nor against.
    if line.starts_with(b"\t") || line.starts_with(b" ") {
        return true;
    }
    let text = String::from_utf8_lossy(line);
    Header::parse(&text).is_some_and(|h| {
        any_source
            || h.source
                .strip_prefix("spid")
                .is_some_and(|n| n.trim_end_matches('s').bytes().all(|b| b.is_ascii_digit()))
            || matches!(h.source, "Server" | "Logon" | "Backup")
    })
}

/// Reads an ERRORLOG from `r`, shown as `display`, handing events and errors
/// to `sink`. `ReadStats::bytes` counts the bytes of the file, not of the
/// decoded text.
pub fn read<R: BufRead>(
    display: &str,
    mut r: R,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> ReadStats {
    let encoding = match r.fill_buf() {
        Ok(head) => Encoding::sniff(head),
        Err(_) => Encoding::Utf8,
    };
    let mut parser = ErrorlogParser { pending: None };
    match encoding {
        Encoding::Utf8 => textlog::run(display, r, opts, sink, &mut parser),
        Encoding::Utf16Le { bom } => {
            let skipped = if bom { 2 } else { 0 };
            r.consume(skipped);
            let raw = Rc::new(Cell::new(skipped as u64));
            let decoded = BufReader::new(Utf16LeReader::new(r, Rc::clone(&raw)));
            let mut stats = textlog::run(display, decoded, opts, sink, &mut parser);
            stats.bytes = raw.get();
            stats
        }
    }
}

/// The text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// UTF-8 or ASCII (invalid bytes read lossily).
    Utf8,
    /// UTF-16 little-endian, with or without a byte-order mark.
    Utf16Le { bom: bool },
}

impl Encoding {
    fn sniff(head: &[u8]) -> Encoding {
        if head.starts_with(&[0xFF, 0xFE]) {
            Encoding::Utf16Le { bom: true }
        } else if head.len() >= 4 && head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0 {
            Encoding::Utf16Le { bom: false }
        } else {
            Encoding::Utf8
        }
    }
}

/// Decodes UTF-16LE into UTF-8 as it reads (unpaired surrogates and an odd
/// last byte become U+FFFD), counting the raw bytes read in `raw`.
struct Utf16LeReader<R> {
    inner: R,
    carry: Vec<u8>,
    high: Option<u16>,
    out: Vec<u8>,
    pos: usize,
    raw: Rc<Cell<u64>>,
    eof: bool,
}

impl<R: Read> Utf16LeReader<R> {
    fn new(inner: R, raw: Rc<Cell<u64>>) -> Utf16LeReader<R> {
        Utf16LeReader {
            inner,
            carry: Vec::new(),
            high: None,
            out: Vec::new(),
            pos: 0,
            raw,
            eof: false,
        }
    }

    fn push(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.out
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    fn decode_unit(&mut self, u: u16) {
        if let Some(h) = self.high.take() {
            if (0xDC00..=0xDFFF).contains(&u) {
                let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                self.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                return;
            }
            self.push(char::REPLACEMENT_CHARACTER);
        }
        match u {
            0xD800..=0xDBFF => self.high = Some(u),
            0xDC00..=0xDFFF => self.push(char::REPLACEMENT_CHARACTER),
            _ => self.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
    }

    /// Decodes the next chunk into `out`; false at the end.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() {
            if self.eof {
                return Ok(false);
            }
            let mut chunk = [0u8; 8192];
            let n = self.inner.read(&mut chunk)?;
            self.raw.set(self.raw.get() + n as u64);
            if n == 0 {
                self.eof = true;
                if self.high.take().is_some() || !self.carry.is_empty() {
                    self.carry.clear();
                    self.push(char::REPLACEMENT_CHARACTER);
                }
                continue;
            }
            self.carry.extend_from_slice(&chunk[..n]);
            let even = self.carry.len() & !1;
            let units: Vec<u16> = self.carry[..even]
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            self.carry.drain(..even);
            for u in units {
                self.decode_unit(u);
            }
        }
        Ok(true)
    }
}

impl<R: Read> Read for Utf16LeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The start of a timestamped line.
#[derive(Debug)]
struct Header<'a> {
    time: Timestamp,
    stamp: &'a str,
    source: &'a str,
    message: &'a str,
}

impl<'a> Header<'a> {
    fn parse(line: &'a str) -> Option<Header<'a>> {
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        let date = line.get(..10)?;
        let rest = line.get(10..)?.strip_prefix(' ')?;
        let (clock, rest) = rest.split_once(' ')?;
        let time = textlog::date_time(date, clock)?;
        let stamp = &line[..10 + 1 + clock.len()];
        let rest = rest.trim_start_matches(' ');
        let (source, message) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
        if source.is_empty() {
            return None;
        }
        Some(Header {
            time,
            stamp,
            source,
            message: message.trim_start_matches([' ', '\t']),
        })
    }
}

/// An event that may still get continuation lines.
struct Pending {
    line: u64,
    time: Timestamp,
    fields: Fields,
    message: String,
}

struct ErrorlogParser {
    pending: Option<Pending>,
}

impl ErrorlogParser {
    fn flush(&mut self, out: &mut Emitter<'_, '_>) -> ControlFlow<()> {
        let Some(p) = self.pending.take() else {
            return ControlFlow::Continue(());
        };
        let mut fields = p.fields;
        fields.insert("Message", p.message);
        out.event(LogFormat::MssqlErrorlog, p.line, Some(p.time), fields)
    }
}

impl LineParser for ErrorlogParser {
    fn line(&mut self, out: &mut Emitter<'_, '_>, no: u64, text: &[u8]) -> ControlFlow<()> {
        let text = String::from_utf8_lossy(text);
        if text
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .is_empty()
        {
            return ControlFlow::Continue(());
        }
        match Header::parse(&text) {
            Some(h) => {
                self.flush(out)?;
                let mut fields = Fields::with_capacity(3);
                fields.insert("Source", h.source);
                fields.insert("EventTime", h.stamp);
                self.pending = Some(Pending {
                    line: no,
                    time: h.time,
                    fields,
                    message: textlog::truncated(h.message, MAX_MESSAGE).to_owned(),
                });
                ControlFlow::Continue(())
            }
            None => match &mut self.pending {
                Some(p) => {
                    textlog::append_capped(&mut p.message, &text, MAX_MESSAGE);
                    ControlFlow::Continue(())
                }
                None => out.error(no, "continuation line without a record before it"),
            },
        }
    }

    fn finish(&mut self, out: &mut Emitter<'_, '_>) -> ControlFlow<()> {
        self.flush(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::textlog::testing::{self, errors, events, time};
    use crate::Item;

    const FIXTURE: &[u8] = include_bytes!("../tests/data/errorlog/ERRORLOG.txt");

    fn read_all(data: &[u8], opts: &ReadOptions) -> (Vec<Item>, ReadStats) {
        testing::collect(|sink| read("ERRORLOG", data, opts, sink))
    }

    fn utf16(text: &[u8], bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        for u in String::from_utf8_lossy(text).encode_utf16() {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out
    }

    fn check_fixture(items: &[Item], stats: ReadStats) {
        assert_eq!((stats.events, stats.errors), (18, 0));
        let ev = events(items);
        let first = &ev[0];
        assert_eq!(first.format, LogFormat::MssqlErrorlog);
        assert_eq!(first.source.line, Some(1));
        assert_eq!(first.fields.text("Source").as_deref(), Some("Server"));
        assert_eq!(
            first.fields.text("Message").as_deref(),
            Some("Microsoft SQL Server 2019 (RTM-CU22) (KB5027702) - 15.0.4322.2 (X64) \n\tJul 27 2023 18:11:00 \n\tCopyright (C) 2019 Microsoft Corporation\n\tStandard Edition (64-bit) on Windows Server 2019 Standard 10.0 <X64> (Build 17763: ) (Hypervisor)")
        );
        let xp = ev
            .iter()
            .find(|e| {
                e.fields
                    .text("Message")
                    .is_some_and(|m| m.contains("'xp_cmdshell' changed"))
            })
            .expect("xp_cmdshell event");
        assert_eq!(xp.source.line, Some(15));
        assert_eq!(time(xp).as_deref(), Some("2024-02-11T10:22:41.190000Z"));
        let want = [
            ("Source", "spid57"),
            ("EventTime", "2024-02-11 10:22:41.19"),
            (
                "Message",
                "Configuration option 'xp_cmdshell' changed from 0 to 1. Run the RECONFIGURE statement to install.",
            ),
        ];
        for (k, v) in want {
            assert_eq!(xp.fields.text(k).as_deref(), Some(v), "{k}");
        }
        assert_eq!(xp.fields.len(), 3);
        let logon = &ev[8];
        assert_eq!(logon.source.line, Some(13));
        assert_eq!(logon.fields.text("Source").as_deref(), Some("Logon"));
        assert!(logon
            .fields
            .text("Message")
            .unwrap()
            .starts_with("Login failed for user 'sa'."));
        let startup = &ev[17];
        assert_eq!(startup.source.line, Some(22));
        assert_eq!(startup.fields.text("Source").as_deref(), Some("spid11s"));
    }

    #[test]
    fn plain_fixture() {
        let (items, stats) = read_all(FIXTURE, &ReadOptions::default());
        check_fixture(&items, stats);
        assert_eq!(stats.bytes, FIXTURE.len() as u64);
        assert!(looks_like(FIXTURE));
    }

    #[test]
    fn utf16_fixture_with_and_without_bom() {
        for bom in [true, false] {
            let data = utf16(FIXTURE, bom);
            let (items, stats) = read_all(&data, &ReadOptions::default());
            check_fixture(&items, stats);
            assert_eq!(stats.bytes, data.len() as u64);
            assert!(looks_like(&data[..data.len().min(300)]), "bom {bom}");
        }
    }

    #[test]
    fn utf16_decoding_edges() {
        // A surrogate pair split across reads, an unpaired surrogate, an odd last byte.
        let data = vec![0x3D, 0xD8, 0x00, 0xDE, 0x00, 0xD8, 0x41, 0x00, 0x42];
        let mut out = String::new();
        let raw = Rc::new(Cell::new(0));
        let reader = io::Read::chain(&data[..3], &data[3..]);
        Utf16LeReader::new(reader, Rc::clone(&raw))
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "\u{1F600}\u{FFFD}A\u{FFFD}");
        assert_eq!(raw.get(), 9);
    }

    #[test]
    fn long_invalid_truncated_orphans_and_empty_input() {
        let mut data = b"\tan orphan continuation\n".to_vec();
        data.extend_from_slice(
            format!("2024-01-01 00:00:00.00 spid51      {}\n", "z".repeat(300)).as_bytes(),
        );
        data.extend_from_slice(b"2024-01-01 00:00:01.00 spid51      bad \xff byte\n");
        data.extend_from_slice(b"2024-01-01 00:00:02.00 Server      cut");
        let opts = ReadOptions {
            max_line: 100,
            ..ReadOptions::default()
        };
        let (items, stats) = read_all(&data, &opts);
        assert_eq!((stats.events, stats.errors), (2, 2));
        let errs = errors(&items);
        assert_eq!(errs[0].line, Some(1));
        assert_eq!(errs[1].message, "line 2 longer than 100 bytes, skipped");
        let ev = events(&items);
        assert_eq!(
            ev[0].fields.text("Message").as_deref(),
            Some("bad \u{fffd} byte")
        );
        assert_eq!(ev[1].source.line, Some(4));
        assert_eq!(ev[1].fields.text("Message").as_deref(), Some("cut"));
        let (items, stats) = read_all(b"", &ReadOptions::default());
        assert!(items.is_empty());
        assert_eq!(stats, ReadStats::default());
        let (items, stats) = read_all(&[0xFF, 0xFE], &ReadOptions::default());
        assert!(items.is_empty());
        assert_eq!(stats.bytes, 2);
    }

    #[test]
    fn sniffing() {
        assert!(looks_like(
            b"2019-05-12 23:59:59.12 spid51      Configuration option\r\n"
        ));
        assert!(!looks_like(b"2019-05-12 23:59:59.12 whatever message\r\n"));
        assert!(!looks_like(b"type=SYSCALL msg=audit(1.2:3):\n"));
        assert!(!looks_like(b"\xFF\xFE"));
        assert!(!looks_like(b"\tindented\n\tonly\n"));
    }
}
