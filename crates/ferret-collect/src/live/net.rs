//! `/proc/net/{tcp,tcp6,udp,udp6}` lines: one socket each, with the inode
//! that links it to a process through `/proc/PID/fd`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The transport protocol of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    /// TCP (`tcp`, `tcp6`).
    Tcp,
    /// UDP (`udp`, `udp6`).
    Udp,
}

impl Proto {
    /// `tcp` or `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// The state column, as far as Ferret tells states apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SockState {
    /// `01`: a TCP connection, or a connected UDP socket.
    Established,
    /// `02`: a TCP connection being opened from this side.
    SynSent,
    /// `0A`: a listening TCP socket.
    Listen,
    /// `07`: closed; for UDP, a bound but unconnected socket.
    Close,
    /// Any other state (closing, time-wait...), by its number.
    Other(u8),
}

impl SockState {
    fn from_code(c: u8) -> SockState {
        match c {
            0x01 => SockState::Established,
            0x02 => SockState::SynSent,
            0x0A => SockState::Listen,
            0x07 => SockState::Close,
            n => SockState::Other(n),
        }
    }
}

/// One socket of a `/proc/net` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket {
    /// TCP or UDP.
    pub proto: Proto,
    /// Local address and port.
    pub local: SocketAddr,
    /// Remote address and port (unspecified when not connected).
    pub remote: SocketAddr,
    /// Connection state.
    pub state: SockState,
    /// Owner's user id.
    pub uid: u32,
    /// Socket inode (0 for sockets no process holds, e.g. time-wait).
    pub inode: u64,
    /// Whether something in the same network namespace listens on the local
    /// port (so the socket was most likely accepted, not opened outward).
    /// Set by the snapshot, `false` straight from the parser.
    pub local_port_listening: bool,
}

/// Parses one line of a `/proc/net` table; `Ok(None)` for the header line.
/// Addresses are hex words in host byte order, as the kernel prints them.
pub fn parse_net_line(line: &[u8], proto: Proto) -> Result<Option<Socket>, String> {
    let text = std::str::from_utf8(line).map_err(|_| "line is not text")?;
    let f: Vec<&str> = text.split_ascii_whitespace().collect();
    if f.first().is_some_and(|h| *h == "sl") {
        return Ok(None);
    }
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
    if f.len() < 10 {
        return Err(format!("{} fields, expected at least 10", f.len()));
    }
    let state = u8::from_str_radix(f[3], 16).map_err(|_| format!("state {:?} is not hex", f[3]))?;
    Ok(Some(Socket {
        proto,
        local: parse_addr(f[1])?,
        remote: parse_addr(f[2])?,
        state: SockState::from_code(state),
        uid: f[7]
            .parse()
            .map_err(|_| format!("uid {:?} is not a number", f[7]))?,
        inode: f[9]
            .parse()
            .map_err(|_| format!("inode {:?} is not a number", f[9]))?,
        local_port_listening: false,
    }))
}

/// `0100007F:1F90` → 127.0.0.1:8080; 32 hex digits for IPv6.
fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    let (ip, port) = s
        .split_once(':')
        .ok_or_else(|| format!("address {s:?} without ':'"))?;
    let port = u16::from_str_radix(port, 16).map_err(|_| format!("port {port:?} is not hex"))?;
    let word = |w: &str| {
        u32::from_str_radix(w, 16)
            .map(u32::to_ne_bytes)
            .map_err(|_| format!("address {ip:?} is not hex"))
    };
    let addr = match ip.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(ip)?)),
        32 if ip.is_ascii() => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&word(&ip[i * 8..i * 8 + 8])?);
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        n => return Err(format!("address {ip:?} has {n} hex digits")),
    };
    Ok(SocketAddr::new(addr, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_endian = "little")]
    #[test]
    fn tcp4_and_tcp6_lines() {
        let l = b"   1: 0100007F:1F90 0200007F:D431 01 00000000:00000000 00:00000000 00000000    33        0 4242 1 0000 20 4 30 10 -1";
        let s = parse_net_line(l, Proto::Tcp).unwrap().unwrap();
        assert_eq!(s.local, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(s.remote, "127.0.0.2:54321".parse().unwrap());
        assert_eq!(
            (s.state, s.uid, s.inode),
            (SockState::Established, 33, 4242)
        );
        let l6 = b"0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 77";
        let s6 = parse_net_line(l6, Proto::Tcp).unwrap().unwrap();
        assert_eq!(s6.local, "[::1]:80".parse().unwrap());
        assert_eq!(s6.state, SockState::Listen);
    }

    #[test]
    fn header_and_junk() {
        assert_eq!(
            parse_net_line(b"  sl  local_address rem_address   st", Proto::Udp),
            Ok(None)
        );
        assert!(parse_net_line(b"0: 0100007F 0 01 0 0 0 0 0 1", Proto::Tcp).is_err());
        assert!(parse_net_line(b"0: 01007F:1 0:0 01 0 0 0 0 0 1", Proto::Tcp).is_err());
    }
}
