//! ESXi `shell.log` and `hostd.log` (ESXi 6.x, 7.x, 8.x).
//!
//! Lines start `2023-01-12T10:11:12.123Z`, then an optional level (`info`,
//! `verbose`, or the 7.0U2+ form `In(14)`, `Wa(164)`...), then
//! `process[pid]` (with or without a colon), then the message. Times are UTC.
//!
//! shell.log fields: `Message` (the whole message), `User` and `CommandLine`
//! (from `[root]: command`), `ProcessId`, `process`, `level` when present.
//! hostd.log fields: `Message` (after the `[Originator@6876 sub=...]` part),
//! `level`, `process`, `ProcessId`, `sub`, `opID`, `user` when present.
//! Lines without a timestamp, and hostd lines whose message starts `-->`,
//! continue the previous event's `Message` (joined with `\n`, capped at
//! [`MAX_MESSAGE`] bytes).

use crate::textlog::{self, Emitter, LineParser};
use crate::{ReadOptions, ReadStats, Sink};
use ferret_core::{Fields, LogFormat, Timestamp};
use std::io::BufRead;
use std::ops::ControlFlow;

/// Longest `Message` kept for one event, continuation lines included.
pub const MAX_MESSAGE: usize = 64 << 10;

/// Whether `head` (the first bytes of a file) looks like an ESXi `shell.log`.
pub fn looks_like_shell(head: &[u8]) -> bool {
    textlog::most_lines(head, 5, |l| {
        Header::parse(&String::from_utf8_lossy(l))
            .and_then(|h| h.process_name())
            .is_some_and(|p| p.eq_ignore_ascii_case("shell"))
    })
}

/// Whether `head` (the first bytes of a file) looks like an ESXi `hostd.log`:
/// it has a `hostd[...]` line and most of its first lines are those or
/// continuation lines.
pub fn looks_like_hostd(head: &[u8]) -> bool {
    let is_hostd = |l: &[u8]| {
        Header::parse(&String::from_utf8_lossy(l))
            .and_then(|h| h.process_name())
            .is_some_and(|p| p.eq_ignore_ascii_case("hostd"))
    };
    let any_header = head.split(|&b| b == b'\n').take(20).any(is_hostd);
    any_header
        && textlog::most_lines(head, 10, |l| {
            is_hostd(l) || l.starts_with(b"-->") || l.starts_with(b" ") || l.starts_with(b"\t")
        })
}

/// Reads a `shell.log` from `r`, shown as `display`, handing events and errors to `sink`.
pub fn read_shell<R: BufRead>(
    display: &str,
    r: R,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> ReadStats {
    textlog::run(display, r, opts, sink, &mut EsxiParser::new(Kind::Shell))
}

/// Reads a `hostd.log` from `r`, shown as `display`, handing events and errors to `sink`.
pub fn read_hostd<R: BufRead>(
    display: &str,
    r: R,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> ReadStats {
    textlog::run(display, r, opts, sink, &mut EsxiParser::new(Kind::Hostd))
}

/// Which log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shell,
    Hostd,
}

/// The start of a timestamped line.
#[derive(Debug)]
struct Header<'a> {
    time: Timestamp,
    level: Option<&'a str>,
    /// `process[pid]`, absent in the ESXi 5.x/6.0 hostd form.
    process: Option<(&'a str, &'a str)>,
    rest: &'a str,
}

impl<'a> Header<'a> {
    fn parse(line: &'a str) -> Option<Header<'a>> {
        if !line.as_bytes().first()?.is_ascii_digit() {
            return None;
        }
        let (stamp, rest) = line.split_once(' ')?;
        let time = Timestamp::parse_rfc3339(stamp)?;
        let mut rest = rest.trim_start();
        let mut level = None;
        let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
        if is_level(word) {
            level = Some(word);
            rest = after.trim_start();
        }
        let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
        let process = process_pid(word);
        if process.is_some() {
            rest = after;
        }
        Some(Header {
            time,
            level,
            process,
            rest,
        })
    }

    /// The process name, when the line has one.
    fn process_name(&self) -> Option<&'a str> {
        self.process.map(|(name, _)| name)
    }
}

/// `name[pid]` or `name[pid]:` as (name, pid).
fn process_pid(word: &str) -> Option<(&str, &str)> {
    let word = word.strip_suffix(':').unwrap_or(word);
    let (process, pid) = word.strip_suffix(']')?.split_once('[')?;
    let name_ok = !process.is_empty()
        && process
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    let pid_ok = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_alphanumeric());
    (name_ok && pid_ok).then_some((process, pid))
}

/// `info`, `verbose`... or the `In(166)` form.
fn is_level(word: &str) -> bool {
    const WORDS: [&str; 9] = [
        "info", "verbose", "warning", "error", "panic", "trivia", "debug", "critical", "notice",
    ];
    if WORDS.contains(&word) {
        return true;
    }
    let b = word.as_bytes();
    b.len() >= 5
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_lowercase()
        && b[2] == b'('
        && b[b.len() - 1] == b')'
        && b[3..b.len() - 1].iter().all(u8::is_ascii_digit)
}

/// An event that may still get continuation lines.
struct Pending {
    line: u64,
    time: Timestamp,
    fields: Fields,
    message: String,
    process: String,
}

struct EsxiParser {
    kind: Kind,
    pending: Option<Pending>,
}

impl EsxiParser {
    fn new(kind: Kind) -> EsxiParser {
        EsxiParser {
            kind,
            pending: None,
        }
    }

    fn format(&self) -> LogFormat {
        match self.kind {
            Kind::Shell => LogFormat::EsxiShell,
            Kind::Hostd => LogFormat::EsxiHostd,
        }
    }

    fn flush(&mut self, out: &mut Emitter<'_, '_>) -> ControlFlow<()> {
        let Some(p) = self.pending.take() else {
            return ControlFlow::Continue(());
        };
        let mut fields = p.fields;
        fields.insert("Message", p.message);
        out.event(self.format(), p.line, Some(p.time), fields)
    }

    fn start(&mut self, no: u64, h: &Header<'_>) -> Pending {
        let mut fields = Fields::with_capacity(8);
        if let Some(l) = h.level {
            fields.insert("level", l);
        }
        if let Some((process, pid)) = h.process {
            fields.insert("process", process);
            fields.insert("ProcessId", pid);
        }
        let message = match self.kind {
            Kind::Shell => {
                if let Some((user, command)) =
                    h.rest.strip_prefix('[').and_then(|r| r.split_once("]: "))
                {
                    fields.insert("User", user);
                    fields.insert("CommandLine", command);
                }
                h.rest
            }
            Kind::Hostd => match h.rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
                Some((inside, after))
                    if inside.starts_with("Originator@") || inside.contains("sub=") =>
                {
                    for word in inside.split(' ') {
                        if let Some((k, v)) = word.split_once('=') {
                            if matches!(k, "sub" | "opID" | "user") && !v.is_empty() {
                                fields.insert(k, v);
                            }
                        }
                    }
                    after.trim_start()
                }
                // ESXi 5.x/6.0: `[3A4C2B70 info 'Vimsvc' opID=... user=root] message`.
                Some((inside, after)) if inside.split(' ').nth(1).is_some_and(is_level) => {
                    let mut words = inside.split(' ').skip(1);
                    if let Some(l) = words.next() {
                        if h.level.is_none() {
                            fields.insert("level", l);
                        }
                    }
                    for word in words {
                        if let Some(sub) =
                            word.strip_prefix('\'').and_then(|w| w.strip_suffix('\''))
                        {
                            fields.insert("sub", sub);
                        } else if let Some((k, v)) = word.split_once('=') {
                            if matches!(k, "opID" | "user") && !v.is_empty() {
                                fields.insert(k, v);
                            }
                        }
                    }
                    after.trim_start()
                }
                _ => h.rest,
            },
        };
        Pending {
            line: no,
            time: h.time,
            fields,
            message: textlog::truncated(message, MAX_MESSAGE).to_owned(),
            process: h.process_name().unwrap_or_default().to_owned(),
        }
    }

    fn continue_message(
        &mut self,
        out: &mut Emitter<'_, '_>,
        no: u64,
        text: &str,
    ) -> ControlFlow<()> {
        match &mut self.pending {
            Some(p) => {
                textlog::append_capped(&mut p.message, text, MAX_MESSAGE);
                ControlFlow::Continue(())
            }
            None => out.error(no, "continuation line without a record before it"),
        }
    }
}

impl LineParser for EsxiParser {
    fn line(&mut self, out: &mut Emitter<'_, '_>, no: u64, text: &[u8]) -> ControlFlow<()> {
        let text = String::from_utf8_lossy(text);
        if text.trim().is_empty() {
            return ControlFlow::Continue(());
        }
        let Some(h) = Header::parse(&text) else {
            return self.continue_message(out, no, &text);
        };
        if self.kind == Kind::Hostd {
            if let Some(cont) = h.rest.strip_prefix("-->") {
                if self
                    .pending
                    .as_ref()
                    .is_some_and(|p| h.process_name() == Some(p.process.as_str()))
                {
                    return self.continue_message(out, no, &format!("-->{cont}"));
                }
            }
        }
        self.flush(out)?;
        self.pending = Some(self.start(no, &h));
        ControlFlow::Continue(())
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

    fn shell(data: &[u8], opts: &ReadOptions) -> (Vec<Item>, ReadStats) {
        testing::collect(|sink| read_shell("shell.log", data, opts, sink))
    }

    fn hostd(data: &[u8], opts: &ReadOptions) -> (Vec<Item>, ReadStats) {
        testing::collect(|sink| read_hostd("hostd.log", data, opts, sink))
    }

    #[test]
    fn shell_commands_old_and_new_forms() {
        let data = include_bytes!("../tests/data/esxi/shell.log");
        let (items, stats) = shell(data, &ReadOptions::default());
        assert_eq!((stats.events, stats.errors), (11, 0));
        let ev = events(&items);
        let a = &ev[0];
        assert_eq!(a.format, LogFormat::EsxiShell);
        assert_eq!(
            a.fields.text("Message").as_deref(),
            Some("Interactive shell session started")
        );
        assert_eq!(a.fields.get("User"), None);
        let b = &ev[3];
        assert_eq!(b.source.line, Some(4));
        assert_eq!(time(b).as_deref(), Some("2023-01-12T10:05:42.000000Z"));
        let want = [
            ("process", "shell"),
            ("ProcessId", "2099283"),
            ("User", "root"),
            (
                "CommandLine",
                "esxcli software vib install -v /tmp/vmware-esx-perf.vib -f",
            ),
            (
                "Message",
                "[root]: esxcli software vib install -v /tmp/vmware-esx-perf.vib -f",
            ),
        ];
        for (k, v) in want {
            assert_eq!(b.fields.text(k).as_deref(), Some(v), "{k}");
        }
        assert_eq!(b.fields.len(), 5);
        let c = &ev[9];
        assert_eq!(c.source.line, Some(10));
        assert_eq!(time(c).as_deref(), Some("2024-06-03T08:16:02.771000Z"));
        assert_eq!(c.fields.text("level").as_deref(), Some("In(14)"));
        assert_eq!(c.fields.text("ProcessId").as_deref(), Some("2101930"));
        assert_eq!(
            c.fields.text("CommandLine").as_deref(),
            Some("esxcli software vib install -v /tmp/.cache/vmtools-helper.vib --no-sig-check -f")
        );
        assert!(looks_like_shell(data));
        assert!(!looks_like_hostd(data));
    }

    #[test]
    fn hostd_blocks_and_continuations() {
        let data = include_bytes!("../tests/data/esxi/hostd.log");
        let (items, stats) = hostd(data, &ReadOptions::default());
        assert_eq!((stats.events, stats.errors), (9, 0));
        let ev = events(&items);
        let a = &ev[0].fields;
        assert_eq!(ev[0].format, LogFormat::EsxiHostd);
        let want = [
            ("level", "info"),
            ("process", "hostd"),
            ("ProcessId", "2099999"),
            ("sub", "Vimsvc.TaskManager"),
            ("opID", "esxcli-3f-7a21"),
            ("user", "root"),
            (
                "Message",
                "Task Created : haTask--vim.host.ImageConfigManager.installDate-118",
            ),
        ];
        for (k, v) in want {
            assert_eq!(a.text(k).as_deref(), Some(v), "{k}");
        }
        assert_eq!(a.len(), 7);
        let d = &ev[3];
        assert_eq!(d.source.line, Some(4));
        assert!(d.fields.text("Message").unwrap().ends_with(
            "vmodl.fault.InvalidArgument\n--> )\n--> [context]zKq7AVICAgAAAAAAAQ==[/context]"
        ));
        let f = &ev[5];
        assert_eq!(f.source.line, Some(8));
        assert_eq!(f.fields.text("level").as_deref(), Some("In(166)"));
        assert_eq!(f.fields.text("process").as_deref(), Some("Hostd"));
        assert_eq!(
            f.fields.text("user").as_deref(),
            Some("vpxuser:VSPHERE.LOCAL\\Administrator")
        );
        assert_eq!(
            f.fields.text("Message").as_deref(),
            Some("Acceptance level changed to CommunitySupported\n--> acceptance level was PartnerSupported")
        );
        let g = &ev[6];
        assert_eq!(g.source.line, Some(10));
        assert_eq!(
            g.fields.text("Message").as_deref(),
            Some("Plain message without an originator block")
        );
        assert_eq!(g.fields.get("sub"), None);
        let old = &ev[7];
        assert_eq!(old.source.line, Some(11));
        let want = [
            ("level", "info"),
            ("sub", "Vimsvc.TaskManager"),
            ("opID", "HB-host-22@1234-5a6b-c1"),
            ("user", "root"),
            (
                "Message",
                "Task Created : haTask-ha-host-vim.host.PatchManager.Install-3117",
            ),
        ];
        for (k, v) in want {
            assert_eq!(old.fields.text(k).as_deref(), Some(v), "{k}");
        }
        assert_eq!(old.fields.get("process"), None);
        assert_eq!(
            ev[8].fields.text("Message").as_deref(),
            Some("Plain 6.0 message")
        );
        assert_eq!(ev[8].fields.text("sub").as_deref(), Some("Default"));
        assert!(looks_like_hostd(data));
        assert!(!looks_like_shell(data));
    }

    #[test]
    fn triage_example_parses() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/triage/var/log/shell.log"
        );
        let Ok(data) = std::fs::read(path) else {
            println!("skipped: {path} not found");
            return;
        };
        let (items, stats) = shell(&data, &ReadOptions::default());
        assert_eq!(stats.errors, 0);
        assert_eq!(
            stats.events as usize,
            data.split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .count()
        );
        assert!(events(&items).iter().any(|e| e
            .fields
            .text("CommandLine")
            .is_some_and(|c| c.contains("--no-sig-check"))));
        assert!(looks_like_shell(&data));
    }

    #[test]
    fn long_invalid_truncated_orphans_and_empty_input() {
        let mut data = b"continued from a rotated file\n".to_vec();
        data.extend_from_slice(b"2023-01-12T10:00:00Z shell[1]: [root]: ls\n");
        data.extend_from_slice(
            format!(
                "2023-01-12T10:00:01Z shell[1]: [root]: {}\n",
                "x".repeat(300)
            )
            .as_bytes(),
        );
        data.extend_from_slice(b"2023-01-12T10:00:02Z shell[1]: [root]: echo \xff\n");
        data.extend_from_slice(b"second line of the echo\n");
        data.extend_from_slice(b"2023-01-12T10:00:03Z shell[1]: [root]: cut");
        let opts = ReadOptions {
            max_line: 100,
            ..ReadOptions::default()
        };
        let (items, stats) = shell(&data, &opts);
        assert_eq!((stats.events, stats.errors), (3, 2));
        let errs = errors(&items);
        assert_eq!(errs[0].line, Some(1));
        assert_eq!(errs[1].message, "line 3 longer than 100 bytes, skipped");
        let ev = events(&items);
        assert_eq!(
            ev[1].fields.text("Message").as_deref(),
            Some("[root]: echo \u{fffd}\nsecond line of the echo")
        );
        assert_eq!(
            ev[1].fields.text("CommandLine").as_deref(),
            Some("echo \u{fffd}")
        );
        assert_eq!(ev[2].source.line, Some(6));
        assert_eq!(ev[2].fields.text("CommandLine").as_deref(), Some("cut"));
        let (items, stats) = shell(b"", &ReadOptions::default());
        assert!(items.is_empty());
        assert_eq!(stats, ReadStats::default());
    }

    #[test]
    fn messages_are_capped() {
        let mut data = b"2023-01-12T10:00:00Z hostd[1] start\n".to_vec();
        for _ in 0..200 {
            data.extend_from_slice(format!("{}\n", "y".repeat(1000)).as_bytes());
        }
        let (items, _) = hostd(&data, &ReadOptions::default());
        let m = events(&items)[0]
            .fields
            .text("Message")
            .unwrap()
            .into_owned();
        assert!(
            m.len() <= MAX_MESSAGE && m.len() > MAX_MESSAGE - 1001,
            "{}",
            m.len()
        );
    }
}
