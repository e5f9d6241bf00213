//! Packet captures as a log source: pcap and pcapng files become HTTP
//! transactions and connection records, like Zeek's `http.log` and
//! `conn.log`. Decoding only; nothing here judges.
//!
//! Layers, each its own module: the capture container (`pcap-parser`), link
//! and IP/TCP/UDP decoding (`etherparse`), bounded in-order TCP reassembly,
//! HTTP/1.x parsing (`httparse`) with chunked and gzip/deflate bodies decoded
//! up to a bound, and the connection table. Memory is bounded per stream and
//! over the whole capture ([`NetLimits`]); what is dropped is counted.

#![warn(missing_docs)]

mod capture;
mod decode;
mod engine;
mod flow;
pub mod http;
mod reasm;
mod records;

pub use records::*;

use std::io::Read;

/// Reads a whole pcap or pcapng capture from `r`, sending HTTP transactions,
/// connections and problems to `sink`. `Err` only when `r` is not a capture
/// at all; damage later on is a [`NetItem::Problem`] and what was read
/// before it is kept (every connection still open is closed and emitted).
/// A `Break` from the sink stops the read at once and returns the stats so
/// far.
pub fn read_capture<R: Read>(
    r: R,
    limits: &NetLimits,
    sink: &mut NetSink<'_>,
) -> Result<CaptureStats, NetProblem> {
    let mut engine = engine::Engine::new(limits);
    let mut cstats = CaptureStats::default();
    let end = capture::read_packets(r, &mut cstats, &mut |p| engine.packet(p, sink))?;
    let stopped = match end {
        capture::End::Done => engine.finish(sink).is_break(),
        capture::End::Stopped => true,
        capture::End::Broken(problem) => {
            engine.emit(NetItem::Problem(problem), sink).is_break()
                || engine.finish(sink).is_break()
        }
    };
    let _ = stopped;
    let mut stats = engine.stats;
    stats.packets = cstats.packets;
    stats.bytes = cstats.bytes;
    stats.undecoded += cstats.undecoded;
    Ok(stats)
}
