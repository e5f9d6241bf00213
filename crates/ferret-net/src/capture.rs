//! The capture container: legacy pcap (both byte orders, micro- and
//! nanosecond) and pcapng (sections, several interfaces with their own link
//! types and timestamp resolutions), streamed from a `Read` through a
//! bounded buffer.

use crate::{CaptureStats, NetProblem};
use pcap_parser::pcapng::Block;
use pcap_parser::traits::{PcapNGPacketBlock, PcapReaderIterator};
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapError, PcapNGReader};
use std::cell::Cell;
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::rc::Rc;

/// Initial read buffer.
const BUF_START: usize = 256 << 10;
/// Largest block the buffer grows to hold.
const BUF_MAX: usize = 32 << 20;

/// One captured frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packet<'a> {
    /// 1-based packet number.
    pub num: u64,
    /// Capture time, microseconds since the Unix epoch.
    pub ts_micros: i64,
    /// LINKTYPE_* of the interface.
    pub link: u32,
    /// Captured bytes.
    pub data: &'a [u8],
    /// Length on the wire.
    pub orig_len: u32,
}

/// How reading ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// The whole capture was read.
    Done,
    /// The consumer asked to stop.
    Stopped,
    /// Reading stopped early; the problem says why.
    Broken(NetProblem),
}

/// A `Read` adapter whose reads fill the buffer unless the end is reached,
/// and which notes when it has been (`eof`), so a block claiming more bytes
/// than the input holds is known to be truncated without growing the
/// buffer for it.
struct FullRead<R> {
    inner: R,
    eof: Rc<Cell<bool>>,
}

impl<R: Read> Read for FullRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match self.inner.read(&mut buf[n..]) {
                Ok(0) => {
                    self.eof.set(true);
                    break;
                }
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if n > 0 {
                        break;
                    }
                    return Err(e);
                }
            }
        }
        Ok(n)
    }
}

#[derive(Debug, Clone, Copy)]
struct Iface {
    link: u32,
    /// Timestamp units per second.
    units: u64,
    /// Seconds added to timestamps.
    offset: i64,
}

/// Reads every packet of a capture, calling `f` for each. `Err` when the
/// input is not a capture at all.
pub(crate) fn read_packets<R: Read>(
    r: R,
    stats: &mut CaptureStats,
    f: &mut dyn FnMut(&Packet<'_>) -> ControlFlow<()>,
) -> Result<End, NetProblem> {
    let eof = Rc::new(Cell::new(false));
    let mut r = FullRead {
        inner: r,
        eof: Rc::clone(&eof),
    };
    let mut head = [0u8; 4];
    let got = r
        .read(&mut head)
        .map_err(|e| not_capture(&format!("read error: {e}")))?;
    if got < 4 || !crate::looks_like_capture(&head) {
        return Err(not_capture("no pcap or pcapng magic number"));
    }
    let chained = FullRead {
        inner: io::Cursor::new(head).chain(r.inner),
        eof: Rc::clone(&eof),
    };
    if head == [0x0a, 0x0d, 0x0d, 0x0a] {
        let reader = PcapNGReader::new(BUF_START, chained)
            .map_err(|e| not_capture(&format!("bad pcapng section header: {}", err_text(&e))))?;
        drive(reader, &eof, stats, f)
    } else {
        let reader = LegacyPcapReader::new(BUF_START, chained)
            .map_err(|e| not_capture(&format!("bad pcap header: {}", err_text(&e))))?;
        drive(reader, &eof, stats, f)
    }
}

fn not_capture(why: &str) -> NetProblem {
    NetProblem {
        packet: None,
        message: format!("not a packet capture: {why}"),
    }
}

fn err_text<I>(e: &PcapError<I>) -> String {
    match e {
        PcapError::Eof | PcapError::UnexpectedEof | PcapError::Incomplete(_) => {
            "input too short".into()
        }
        PcapError::BufferTooSmall => "block too large".into(),
        PcapError::ReadError => "read error".into(),
        PcapError::HeaderNotRecognized => "header not recognised".into(),
        PcapError::NomError(_, k) | PcapError::OwnedNomError(_, k) => format!("malformed ({k:?})"),
    }
}

fn drive<P: PcapReaderIterator>(
    mut reader: P,
    eof: &Cell<bool>,
    stats: &mut CaptureStats,
    f: &mut dyn FnMut(&Packet<'_>) -> ControlFlow<()>,
) -> Result<End, NetProblem> {
    let mut cap = BUF_START;
    let mut legacy = Iface {
        link: 1,
        units: 1_000_000,
        offset: 0,
    };
    let mut ifaces: Vec<Iface> = Vec::new();
    let mut last_ts = 0i64;
    loop {
        let next = stats.packets + 1;
        match reader.next() {
            Ok((used, block)) => {
                let flow = match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy.link = h.network.0 as u32;
                        legacy.units = if h.is_nanosecond_precision() {
                            1_000_000_000
                        } else {
                            1_000_000
                        };
                        ControlFlow::Continue(())
                    }
                    PcapBlockOwned::Legacy(b) => {
                        stats.packets = next;
                        let ts = ts_micros(
                            u64::from(b.ts_sec) * legacy.units + u64::from(b.ts_usec),
                            legacy.units,
                            0,
                        );
                        last_ts = ts;
                        f(&Packet {
                            num: next,
                            ts_micros: ts,
                            link: legacy.link,
                            data: b.data,
                            orig_len: b.origlen.max(b.caplen),
                        })
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                        ifaces.clear();
                        ControlFlow::Continue(())
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        if ifaces.len() < 1 << 16 {
                            ifaces.push(Iface {
                                link: idb.linktype.0 as u32,
                                units: idb.ts_resolution().unwrap_or(1_000_000).max(1),
                                offset: idb.ts_offset(),
                            });
                        }
                        ControlFlow::Continue(())
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        stats.packets = next;
                        match ifaces.get(epb.if_id as usize) {
                            Some(ifc) => {
                                let raw = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                                let ts = ts_micros(raw, ifc.units, ifc.offset);
                                last_ts = ts;
                                let data = epb.packet_data();
                                f(&Packet {
                                    num: next,
                                    ts_micros: ts,
                                    link: ifc.link,
                                    data,
                                    orig_len: epb.orig_len().max(data.len() as u32),
                                })
                            }
                            None => {
                                stats.undecoded += 1;
                                ControlFlow::Continue(())
                            }
                        }
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        stats.packets = next;
                        match ifaces.first() {
                            Some(ifc) => {
                                let data = spb.packet_data();
                                f(&Packet {
                                    num: next,
                                    ts_micros: last_ts,
                                    link: ifc.link,
                                    data,
                                    orig_len: spb.orig_len().max(data.len() as u32),
                                })
                            }
                            None => {
                                stats.undecoded += 1;
                                ControlFlow::Continue(())
                            }
                        }
                    }
                    PcapBlockOwned::NG(_) => ControlFlow::Continue(()),
                };
                reader.consume(used);
                stats.bytes = reader.consumed() as u64;
                if flow.is_break() {
                    return Ok(End::Stopped);
                }
            }
            Err(PcapError::Eof) => return Ok(End::Done),
            Err(PcapError::UnexpectedEof) => {
                return Ok(End::Broken(NetProblem {
                    packet: Some(next),
                    message: format!("capture truncated at packet {next}"),
                }))
            }
            Err(PcapError::Incomplete(_)) | Err(PcapError::BufferTooSmall) => {
                if eof.get() && reader.data().len() >= cap {
                    return Ok(End::Broken(NetProblem {
                        packet: Some(next),
                        message: format!("capture truncated at packet {next}"),
                    }));
                }
                if reader.data().len() < cap {
                    if reader.refill().is_err() {
                        return Ok(End::Broken(NetProblem {
                            packet: Some(next),
                            message: format!("read error at packet {next}"),
                        }));
                    }
                } else if cap < BUF_MAX {
                    cap = (cap * 2).min(BUF_MAX);
                    reader.grow(cap);
                    if reader.refill().is_err() {
                        return Ok(End::Broken(NetProblem {
                            packet: Some(next),
                            message: format!("read error at packet {next}"),
                        }));
                    }
                } else {
                    return Ok(End::Broken(NetProblem {
                        packet: Some(next),
                        message: format!(
                            "capture block at packet {next} is larger than {} MiB; reading stopped",
                            BUF_MAX >> 20
                        ),
                    }));
                }
            }
            Err(e) => {
                let why = err_text(&e);
                return Ok(End::Broken(NetProblem {
                    packet: Some(next),
                    message: format!("capture damaged at packet {next} ({why}); reading stopped"),
                }));
            }
        }
    }
}

/// `raw` timestamp units (`units` per second) plus `offset` seconds, as
/// microseconds.
fn ts_micros(raw: u64, units: u64, offset: i64) -> i64 {
    let micros = if units == 1_000_000 {
        u128::from(raw)
    } else {
        u128::from(raw) * 1_000_000 / u128::from(units.max(1))
    };
    let micros = i64::try_from(micros).unwrap_or(i64::MAX);
    micros.saturating_add(offset.saturating_mul(1_000_000))
}
