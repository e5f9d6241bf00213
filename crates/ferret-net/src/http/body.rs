//! Body accumulation: keeps the first `max_body` decoded bytes, counts the
//! rest, and undoes `Content-Encoding: gzip/x-gzip/deflate` up to
//! `max_decoded` bytes (beyond it decoding stops: a decompression bomb).

use crate::Body;
use flate2::write::{DeflateDecoder, GzDecoder, ZlibDecoder};
use std::io::{self, Write};

/// A body's content coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Identity,
    Gzip,
    Deflate,
}

impl Coding {
    /// From a `Content-Encoding` value (the last coding applied counts).
    pub fn from_header(v: &[u8]) -> Coding {
        let last = v.rsplit(|&b| b == b',').next().unwrap_or(v);
        let t = last.trim_ascii();
        if t.eq_ignore_ascii_case(b"gzip") || t.eq_ignore_ascii_case(b"x-gzip") {
            Coding::Gzip
        } else if t.eq_ignore_ascii_case(b"deflate") {
            Coding::Deflate
        } else {
            Coding::Identity
        }
    }
}

/// Where decoded bytes land: the kept excerpt and the count.
#[derive(Debug)]
struct Keep {
    data: Vec<u8>,
    len: u64,
    max_body: usize,
    /// Cap on `len` when decoding (0: none).
    cap: u64,
    over: bool,
}

impl Keep {
    fn take(&mut self, buf: &[u8]) -> usize {
        let n = if self.cap > 0 {
            let room = self.cap.saturating_sub(self.len);
            (buf.len() as u64).min(room) as usize
        } else {
            buf.len()
        };
        let keep = (self.max_body.saturating_sub(self.data.len())).min(n);
        self.data.extend_from_slice(&buf[..keep]);
        self.len += n as u64;
        if n < buf.len() {
            self.over = true;
        }
        n
    }
}

impl Write for Keep {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.take(buf);
        if n == 0 {
            return Err(io::Error::other("decoded size limit"));
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

enum Decoder {
    None,
    Gzip(Box<GzDecoder<Keep>>),
    Zlib(Box<ZlibDecoder<Keep>>),
    Raw(Box<DeflateDecoder<Keep>>),
}

/// A body being received.
pub(crate) struct BodyAcc {
    keep: Option<Keep>,
    dec: Decoder,
    coding: Coding,
    /// Raw bytes seen before a deflate body's wrapper is known.
    sniff: Vec<u8>,
    problem: Option<String>,
    stopped: bool,
}

impl BodyAcc {
    /// An empty body that keeps `max_body` bytes and decodes up to
    /// `max_decoded`.
    pub fn new(coding: Coding, max_body: usize, max_decoded: usize) -> BodyAcc {
        let keep = Keep {
            data: Vec::new(),
            len: 0,
            max_body,
            cap: if coding == Coding::Identity {
                0
            } else {
                max_decoded.max(1) as u64
            },
            over: false,
        };
        let (keep, dec) = match coding {
            Coding::Gzip => (None, Decoder::Gzip(Box::new(GzDecoder::new(keep)))),
            _ => (Some(keep), Decoder::None),
        };
        BodyAcc {
            keep,
            dec,
            coding,
            sniff: Vec::new(),
            problem: None,
            stopped: false,
        }
    }

    /// The next raw (de-chunked) body bytes.
    pub fn push(&mut self, buf: &[u8]) {
        if buf.is_empty() {
            return;
        }
        if self.stopped {
            // After a gap an identity body is still counted, not kept.
            if self.coding == Coding::Identity {
                if let Some(k) = self.keep.as_mut() {
                    k.len += buf.len() as u64;
                }
            }
            return;
        }
        if self.coding == Coding::Deflate && matches!(self.dec, Decoder::None) {
            if self.sniff.len() + buf.len() < 2 {
                self.sniff.extend_from_slice(buf);
                return;
            }
            let Some(keep) = self.keep.take() else {
                return;
            };
            let pre = std::mem::take(&mut self.sniff);
            let a = pre.first().copied().unwrap_or(buf[0]);
            let b = if pre.len() >= 2 {
                pre[1]
            } else {
                buf[1 - pre.len()]
            };
            let zlib = a & 0x0f == 8 && (u16::from(a) << 8 | u16::from(b)) % 31 == 0;
            self.dec = if zlib {
                Decoder::Zlib(Box::new(ZlibDecoder::new(keep)))
            } else {
                Decoder::Raw(Box::new(DeflateDecoder::new(keep)))
            };
            self.feed(&pre);
        }
        self.feed(buf);
    }

    fn feed(&mut self, mut buf: &[u8]) {
        if self.stopped {
            return;
        }
        let res = match &mut self.dec {
            Decoder::None => {
                if let Some(k) = self.keep.as_mut() {
                    k.take(buf);
                }
                return;
            }
            Decoder::Gzip(d) => write_some(&mut **d, &mut buf),
            Decoder::Zlib(d) => write_some(&mut **d, &mut buf),
            Decoder::Raw(d) => write_some(&mut **d, &mut buf),
        };
        if let Err(e) = res {
            let over = self.keep_ref().is_some_and(|k| k.over);
            self.stop(if over {
                "decoded body exceeds the decoding limit (decompression bomb?)".to_string()
            } else {
                format!("corrupt {} body: {e}", self.coding_name())
            });
        } else if self.keep_ref().is_some_and(|k| k.over) {
            self.stop("decoded body exceeds the decoding limit (decompression bomb?)".into());
        }
    }

    fn coding_name(&self) -> &'static str {
        match self.coding {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Identity => "identity",
        }
    }

    fn keep_ref(&self) -> Option<&Keep> {
        match &self.dec {
            Decoder::None => self.keep.as_ref(),
            Decoder::Gzip(d) => Some(d.get_ref()),
            Decoder::Zlib(d) => Some(d.get_ref()),
            Decoder::Raw(d) => Some(d.get_ref()),
        }
    }

    fn stop(&mut self, why: String) {
        if self.problem.is_none() {
            self.problem = Some(why);
        }
        self.stopped = true;
    }

    /// `n` bytes of the body were never captured.
    pub fn missing(&mut self, n: u64) {
        if n == 0 {
            return;
        }
        if self.coding == Coding::Identity && !self.stopped {
            // Identity bodies still count the length.
            if let Some(k) = self.keep.as_mut() {
                k.len += n;
            }
            if self.problem.is_none() {
                self.problem = Some(format!("{n} body bytes missing from the capture"));
            }
            self.stopped = true;
            return;
        }
        self.stop(format!("{n} body bytes missing from the capture"));
    }

    /// The body as received; `problem` is added when set and none is yet.
    pub fn finish(mut self, problem: Option<String>) -> Body {
        if let Some(p) = problem {
            if self.problem.is_none() {
                self.problem = Some(p);
            }
            self.stopped = true;
        }
        if self.coding == Coding::Deflate
            && matches!(self.dec, Decoder::None)
            && !self.sniff.is_empty()
        {
            let pre = std::mem::take(&mut self.sniff);
            if let Some(keep) = self.keep.take() {
                self.dec = Decoder::Raw(Box::new(DeflateDecoder::new(keep)));
                self.feed(&pre);
            }
        }
        let keep = match std::mem::replace(&mut self.dec, Decoder::None) {
            Decoder::None => self.keep.take(),
            Decoder::Gzip(mut d) => {
                let _ = d.try_finish();
                Some(take_inner(d.get_mut()))
            }
            Decoder::Zlib(mut d) => {
                let _ = d.try_finish();
                Some(take_inner(d.get_mut()))
            }
            Decoder::Raw(mut d) => {
                let _ = d.try_finish();
                Some(take_inner(d.get_mut()))
            }
        };
        let (data, len, over) = match keep {
            Some(k) => (k.data, k.len, k.over),
            None => (Vec::new(), 0, false),
        };
        if over && self.problem.is_none() {
            self.problem =
                Some("decoded body exceeds the decoding limit (decompression bomb?)".into());
        }
        let truncated = (data.len() as u64) < len || over || self.problem.is_some();
        Body {
            data,
            len,
            truncated,
            problem: self.problem,
        }
    }
}

fn take_inner(k: &mut Keep) -> Keep {
    Keep {
        data: std::mem::take(&mut k.data),
        len: k.len,
        max_body: k.max_body,
        cap: k.cap,
        over: k.over,
    }
}

/// Writes all of `buf` into a decoder; a decoder that takes nothing more
/// (stream ended) ends the loop.
fn write_some<W: Write>(w: &mut W, buf: &mut &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match w.write(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => *buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{GzEncoder, ZlibEncoder};
    use flate2::Compression;

    #[test]
    fn identity_keeps_excerpt_and_counts() {
        let mut b = BodyAcc::new(Coding::Identity, 4, 100);
        b.push(b"abc");
        b.push(b"defgh");
        let body = b.finish(None);
        assert_eq!(body.data, b"abcd");
        assert_eq!(body.len, 8);
        assert!(body.truncated);
        assert!(body.problem.is_none());
    }

    #[test]
    fn gzip_decoded_in_pieces() {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(b"hello gzip world").unwrap();
        let z = e.finish().unwrap();
        let mut b = BodyAcc::new(Coding::Gzip, 100, 1000);
        for c in z.chunks(3) {
            b.push(c);
        }
        let body = b.finish(None);
        assert_eq!(body.data, b"hello gzip world");
        assert_eq!(body.len, 16);
        assert!(!body.truncated);
    }

    #[test]
    fn deflate_zlib_and_raw() {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(b"zlib wrapped").unwrap();
        let z = e.finish().unwrap();
        let mut b = BodyAcc::new(Coding::Deflate, 100, 1000);
        b.push(&z[..1]);
        b.push(&z[1..]);
        assert_eq!(b.finish(None).data, b"zlib wrapped");
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
        e.write_all(b"raw deflate").unwrap();
        let z = e.finish().unwrap();
        let mut b = BodyAcc::new(Coding::Deflate, 100, 1000);
        b.push(&z);
        assert_eq!(b.finish(None).data, b"raw deflate");
    }

    #[test]
    fn bomb_stops_at_cap() {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(&vec![0u8; 1 << 20]).unwrap();
        let z = e.finish().unwrap();
        let mut b = BodyAcc::new(Coding::Gzip, 10, 4096);
        b.push(&z);
        let body = b.finish(None);
        assert_eq!(body.len, 4096);
        assert_eq!(body.data.len(), 10);
        assert!(body.truncated);
        assert!(body.problem.unwrap().contains("bomb"));
    }

    #[test]
    fn corrupt_gzip_is_a_problem() {
        let mut b = BodyAcc::new(Coding::Gzip, 10, 4096);
        b.push(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-garbage");
        let body = b.finish(None);
        assert!(body.problem.is_some());
        assert!(body.truncated);
    }
}
