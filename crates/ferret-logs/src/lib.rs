//! Log readers: sources that turn log files into [`Event`]s, and never judge.
//!
//! Formats: EVTX, JSON lines (Winlogbeat/ECS, Sysmon for Linux, OTRF/Mordor),
//! Linux auditd, IIS/W3C, Apache/nginx combined, ESXi `shell.log`/`hostd.log`,
//! SQL Server `ERRORLOG`, Zeek logs (TSV or JSON) and packet captures (pcap,
//! pcapng, through `ferret-net`); each plain, gzip-compressed or inside a
//! `.zip` (members read in memory). Damaged input yields what can be recovered plus
//! [`ReadError`]s, one per bad record or file; a run never stops on one.

use ferret_core::{Event, LogFormat};
use std::ops::ControlFlow;

pub mod archive;
pub mod auditd;
pub mod collect;
pub mod combined;
pub mod discover;
pub mod dispatch;
pub mod errorlog;
pub mod esxi;
pub mod evtx;
pub mod jsonl;
pub mod lines;
pub mod netfields;
pub mod pcap;
pub mod tail;
mod textlog;
pub mod w3c;
pub mod webfields;
pub mod zeek;
pub use collect::Collected;
pub use discover::{discover, Discovery, LogFile};
pub use dispatch::{read_bytes, read_file, sniff};

/// Limits that keep hostile input from exhausting memory.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Longest line a text reader keeps; longer lines are skipped with an error.
    pub max_line: usize,
    /// Largest archive member (uncompressed) read into memory.
    pub max_member: u64,
    /// Limits for decoding packet captures.
    pub net: ferret_net::NetLimits,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            max_line: 1 << 20,
            max_member: 1 << 30,
            net: ferret_net::NetLimits::default(),
        }
    }
}

/// A problem with one file or one record. The run goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}{}: {message}", location(*record_id, *line))]
pub struct ReadError {
    /// The log file (archive members as `archive.zip!member`), unescaped.
    pub path: String,
    /// The record, when the error is about one record of a record-based log.
    pub record_id: Option<u64>,
    /// The 1-based line, when the error is about one line of a text log.
    pub line: Option<u64>,
    /// What went wrong, in words.
    pub message: String,
}

fn location(record_id: Option<u64>, line: Option<u64>) -> String {
    match (record_id, line) {
        (Some(r), _) => format!(" (record {r})"),
        (None, Some(l)) => format!(":{l}"),
        (None, None) => String::new(),
    }
}

impl ReadError {
    /// An error about the whole file.
    pub fn file(path: impl Into<String>, message: impl Into<String>) -> ReadError {
        ReadError {
            path: path.into(),
            record_id: None,
            line: None,
            message: message.into(),
        }
    }

    /// An error about one line of a text log.
    pub fn at_line(path: impl Into<String>, line: u64, message: impl Into<String>) -> ReadError {
        ReadError {
            path: path.into(),
            record_id: None,
            line: Some(line),
            message: message.into(),
        }
    }
}

/// What a reader hands on: an event, or a problem it met and stepped over.
#[derive(Debug, Clone)]
pub enum Item {
    /// One record.
    Event(Event),
    /// One bad record, line or file.
    Error(ReadError),
}

/// Where readers send items. Returning `ControlFlow::Break` stops the reader
/// (the caller was cancelled); it is not an error.
pub type Sink<'a> = dyn FnMut(Item) -> ControlFlow<()> + 'a;

/// What one read produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Events handed on.
    pub events: u64,
    /// Errors handed on.
    pub errors: u64,
    /// Bytes read (uncompressed).
    pub bytes: u64,
}

impl ReadStats {
    /// Adds another read's counts.
    pub fn add(&mut self, other: ReadStats) {
        self.events += other.events;
        self.errors += other.errors;
        self.bytes += other.bytes;
    }
}

/// The formats this crate reads, for `--help` and documentation.
pub fn formats() -> &'static [LogFormat] {
    &LogFormat::ALL
}
