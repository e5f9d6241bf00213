//! Compressed logs: `.gz` (streamed) and `.zip` (members read in memory,
//! each capped at `ReadOptions::max_member`; archives inside a `.zip` are
//! opened one level deep). Members show as `archive.zip!dir/member.json`.

use crate::dispatch::{self, Origin};
use crate::{Item, ReadError, ReadOptions, ReadStats, Sink};
use flate2::read::MultiGzDecoder;
use std::io::{Read, Seek};

/// The first bytes of a gzip stream.
pub const GZIP_MAGIC: &[u8; 2] = b"\x1f\x8b";
/// The first bytes of a zip file (a local file header).
pub const ZIP_MAGIC: &[u8; 4] = b"PK\x03\x04";

/// How deep archives nest before members are refused.
const MAX_NESTING: u32 = 1;

/// Reads a gzip stream: the decompressed data goes straight to the reader
/// its head calls for; EVTX is read into memory, capped at `max_member`.
/// `inner_name` is the name without `.gz`, for format hints.
pub fn read_gz<R: Read>(
    display: &str,
    inner_name: &str,
    r: R,
    origin: Origin,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> ReadStats {
    let decoder = MultiGzDecoder::new(std::io::BufReader::new(r));
    dispatch::read_stream(display, inner_name, decoder, origin, opts, sink)
}

/// Reads every member of a zip archive, each as its own log. A member larger
/// than `max_member` (declared or actual), encrypted, compressed with an
/// unsupported method or nested too deep is an error for that member; an
/// unreadable central directory is an error for the archive.
pub fn read_zip<R: Read + Seek>(
    display: &str,
    r: R,
    depth: u32,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> ReadStats {
    let mut stats = ReadStats::default();
    let stopped = std::cell::Cell::new(false);
    let mut watch = |item: Item| {
        let flow = sink(item);
        stopped.set(flow.is_break());
        flow
    };
    let sink: &mut Sink<'_> = &mut watch;
    let mut archive = match zip::ZipArchive::new(r) {
        Ok(a) => a,
        Err(e) => return error(display, None, format!("unreadable zip archive: {e}"), sink),
    };
    for index in 0..archive.len() {
        let member = match read_member(&mut archive, index, opts.max_member) {
            Ok(Some(m)) => m,
            Ok(None) => continue,
            Err((name, message)) => {
                let member_display = format!("{display}!{name}");
                stats.add(error(&member_display, None, message, sink));
                if stopped.get() {
                    break;
                }
                continue;
            }
        };
        let member_display = format!("{display}!{}", member.name);
        let leaf = member.name.rsplit('/').next().unwrap_or(&member.name);
        let nested = member.data.starts_with(ZIP_MAGIC) || member.data.starts_with(GZIP_MAGIC);
        let read = if nested && depth >= MAX_NESTING {
            error(
                &member_display,
                None,
                "archive nested too deep, not opened".to_owned(),
                sink,
            )
        } else {
            dispatch::read_member(&member_display, leaf, &member.data, depth + 1, opts, sink)
        };
        stats.add(read);
        if stopped.get() {
            break;
        }
    }
    stats
}

struct Member {
    name: String,
    data: Vec<u8>,
}

/// Member `index`: `Ok(None)` for directories and names that are not logs;
/// `Err((name, message))` when it cannot be read within the cap.
fn read_member<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    index: usize,
    max: u64,
) -> Result<Option<Member>, (String, String)> {
    let hint = archive
        .name_for_index(index)
        .and_then(Result::ok)
        .map_or_else(|| format!("#{index}"), |n| n.into_owned());
    let mut file = match archive.by_index(index) {
        Ok(f) => f,
        Err(e) => return Err((hint, format!("cannot read member: {e}"))),
    };
    let name = String::from_utf8_lossy(file.name_raw()).into_owned();
    if file.is_dir() {
        return Ok(None);
    }
    let leaf = name.rsplit('/').next().unwrap_or(&name);
    if crate::discover::not_a_log_name(leaf) {
        return Ok(None);
    }
    if file.encrypted() {
        return Err((name, "encrypted member, not read".to_owned()));
    }
    if file.size() > max {
        return Err((
            name,
            format!(
                "member of {} bytes is larger than the {max}-byte limit, not read",
                file.size()
            ),
        ));
    }
    let mut data = Vec::with_capacity(file.size().min(1 << 26) as usize);
    // Stop one byte past the cap: a member lying about its size is caught too.
    match (&mut file)
        .take(max.saturating_add(1))
        .read_to_end(&mut data)
    {
        Ok(_) if data.len() as u64 > max => Err((
            name,
            format!(
                "member is larger than the {max}-byte limit (declared {} bytes), not read",
                file.size()
            ),
        )),
        Ok(_) => Ok(Some(Member { name, data })),
        Err(e) => Err((name, format!("cannot decompress member: {e}"))),
    }
}

fn error(display: &str, line: Option<u64>, message: String, sink: &mut Sink<'_>) -> ReadStats {
    let _ = sink(Item::Error(ReadError {
        path: display.to_owned(),
        record_id: None,
        line,
        message,
    }));
    ReadStats {
        errors: 1,
        ..ReadStats::default()
    }
}
