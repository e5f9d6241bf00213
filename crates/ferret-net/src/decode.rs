//! Link and network decoding: from a captured frame to addresses, ports and
//! transport payload.
//!
//! Link types: Ethernet II (1) with 802.1Q/802.1ad/QinQ tags, Linux cooked
//! capture v1 (113) and v2 (276), BSD loopback NULL (0) and LOOP (108), raw
//! IP (101, and 12/14 as some systems number it), raw IPv4 (228) and IPv6
//! (229). IPv4 and IPv6 (with extension headers) via `etherparse`; TCP, UDP,
//! ICMP and ICMPv6 on top. IP fragments are not reassembled: they count as
//! undecoded (HTTP over fragmented IP is rare; TCP segments normally fit).

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use std::net::IpAddr;

/// TCP flag bits.
pub(crate) const FIN: u8 = 0x01;
pub(crate) const SYN: u8 = 0x02;
pub(crate) const RST: u8 = 0x04;
pub(crate) const ACK: u8 = 0x10;

/// The transport part of a decoded packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum L4 {
    /// TCP with sequence number and flags.
    Tcp { seq: u32, flags: u8 },
    /// UDP.
    Udp,
    /// ICMP or ICMPv6.
    Icmp,
}

/// A decoded packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decoded<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
    pub l4: L4,
    /// Transport payload as captured.
    pub payload: &'a [u8],
    /// Payload bytes the snap length cut off.
    pub missing: u32,
}

/// Why a frame was not decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Undecoded {
    /// Link type not handled.
    LinkType,
    /// Not IP, or an IP protocol other than TCP/UDP/ICMP, or a fragment.
    Other,
    /// A header was cut short or malformed.
    Damaged,
}

/// Decodes one frame of link type `link`; `orig_len` is its length on the
/// wire.
pub(crate) fn decode(link: u32, data: &[u8], orig_len: u32) -> Result<Decoded<'_>, Undecoded> {
    let sliced = match link {
        1 => LaxSlicedPacket::from_ethernet(data).map_err(|_| Undecoded::Damaged)?,
        113 => {
            let proto = be16(data, 14).ok_or(Undecoded::Damaged)?;
            LaxSlicedPacket::from_ether_type(EtherType(proto), &data[16..])
        }
        276 => {
            let proto = be16(data, 0).ok_or(Undecoded::Damaged)?;
            if data.len() < 20 {
                return Err(Undecoded::Damaged);
            }
            LaxSlicedPacket::from_ether_type(EtherType(proto), &data[20..])
        }
        0 | 108 => {
            if data.len() < 4 {
                return Err(Undecoded::Damaged);
            }
            from_ip(&data[4..])?
        }
        101 | 12 | 14 | 228 | 229 => from_ip(data)?,
        _ => return Err(Undecoded::LinkType),
    };
    let missing = orig_len.saturating_sub(data.len() as u32);
    let (src, dst, payload) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(ip)) => (
            IpAddr::V4(ip.header().source_addr()),
            IpAddr::V4(ip.header().destination_addr()),
            ip.payload(),
        ),
        Some(LaxNetSlice::Ipv6(ip)) => (
            IpAddr::V6(ip.header().source_addr()),
            IpAddr::V6(ip.header().destination_addr()),
            ip.payload(),
        ),
        Some(LaxNetSlice::Arp(_)) => return Err(Undecoded::Other),
        None => {
            return Err(if sliced.stop_err.is_some() {
                Undecoded::Damaged
            } else {
                Undecoded::Other
            })
        }
    };
    if payload.fragmented {
        return Err(Undecoded::Other);
    }
    let missing = if payload.incomplete { missing } else { 0 };
    match &sliced.transport {
        Some(TransportSlice::Tcp(t)) => {
            let mut flags = 0;
            if t.fin() {
                flags |= FIN;
            }
            if t.syn() {
                flags |= SYN;
            }
            if t.rst() {
                flags |= RST;
            }
            if t.ack() {
                flags |= ACK;
            }
            Ok(Decoded {
                src,
                dst,
                sport: t.source_port(),
                dport: t.destination_port(),
                l4: L4::Tcp {
                    seq: t.sequence_number(),
                    flags,
                },
                payload: t.payload(),
                missing,
            })
        }
        Some(TransportSlice::Udp(u)) => Ok(Decoded {
            src,
            dst,
            sport: u.source_port(),
            dport: u.destination_port(),
            l4: L4::Udp,
            payload: u.payload(),
            missing,
        }),
        Some(TransportSlice::Icmpv4(_)) | Some(TransportSlice::Icmpv6(_)) => Ok(Decoded {
            src,
            dst,
            sport: 0,
            dport: 0,
            l4: L4::Icmp,
            payload: &[],
            missing: 0,
        }),
        _ => Err(if sliced.stop_err.is_some() {
            Undecoded::Damaged
        } else {
            Undecoded::Other
        }),
    }
}

fn from_ip(data: &[u8]) -> Result<LaxSlicedPacket<'_>, Undecoded> {
    LaxSlicedPacket::from_ip(data).map_err(|_| Undecoded::Damaged)
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}
