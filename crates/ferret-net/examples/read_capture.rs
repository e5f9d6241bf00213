//! Reads a capture and prints what came out and how fast.
//!
//! `cargo run --release --example read_capture -- <file.pcap>`
//! `cargo run --release --example read_capture -- --synth <out.pcap> <connections>`
//! writes a capture of plain HTTP keep-alive traffic to measure with.

use etherparse::PacketBuilder;
use ferret_net::{read_capture, NetItem, NetLimits, NetRecord};
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, out, n] if flag == "--synth" => synth(out, n.parse().unwrap_or(1000)),
        [path] => read(path),
        _ => {
            eprintln!("usage: read_capture <file> | --synth <out> <connections>");
            std::process::exit(2);
        }
    }
}

fn read(path: &str) -> std::io::Result<()> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let (mut problems, mut bodies) = (0u64, 0u64);
    let start = Instant::now();
    let res = read_capture(file, &NetLimits::default(), &mut |item| {
        match item {
            NetItem::Problem(p) => {
                problems += 1;
                if problems <= 10 {
                    eprintln!("problem: packet {:?}: {}", p.packet, p.message);
                }
            }
            NetItem::Record(NetRecord::Http(t)) => {
                bodies += t.response.map_or(0, |r| r.body.len);
            }
            NetItem::Record(NetRecord::Conn(_)) => {}
        }
        ControlFlow::Continue(())
    });
    let secs = start.elapsed().as_secs_f64();
    match res {
        Ok(s) => {
            println!("{s:?}");
            println!(
                "problems {problems}, response body bytes {bodies}; {:.1} MB in {secs:.3} s = {:.0} MB/s",
                size as f64 / 1e6,
                size as f64 / 1e6 / secs
            );
        }
        Err(e) => println!("not read: {}", e.message),
    }
    Ok(())
}

fn synth(out: &str, conns: u32) -> std::io::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(out)?);
    let mut hdr = Vec::new();
    for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 262_144, 1] {
        hdr.extend_from_slice(&v.to_le_bytes());
    }
    w.write_all(&hdr)?;
    let body = vec![b'a'; 20_000];
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    resp.extend_from_slice(&body);
    let mut ts: u64 = 1_700_000_000_000_000;
    let mut frame = Vec::with_capacity(2000);
    let put = |w: &mut BufWriter<std::fs::File>, ts: u64, f: &[u8]| -> std::io::Result<()> {
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&((ts / 1_000_000) as u32).to_le_bytes());
        h[4..8].copy_from_slice(&((ts % 1_000_000) as u32).to_le_bytes());
        h[8..12].copy_from_slice(&(f.len() as u32).to_le_bytes());
        h[12..16].copy_from_slice(&(f.len() as u32).to_le_bytes());
        w.write_all(&h)?;
        w.write_all(f)
    };
    for i in 0..conns {
        let client = [10, 1, (i >> 8) as u8, i as u8];
        let server = [10, 0, 0, 2];
        let cport = 20000 + (i % 40000) as u16;
        let (mut cseq, mut sseq) = (1000u32, 9000u32);
        let mut seg = |w: &mut BufWriter<std::fs::File>,
                       from_client: bool,
                       seq: u32,
                       ack: u32,
                       flags: &str,
                       payload: &[u8]|
         -> std::io::Result<()> {
            let (s, d, sp, dp) = if from_client {
                (client, server, cport, 80)
            } else {
                (server, client, 80, cport)
            };
            let mut b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
                .ipv4(s, d, 64)
                .tcp(sp, dp, seq, 65535);
            if flags.contains('S') {
                b = b.syn();
            }
            if flags.contains('A') {
                b = b.ack(ack);
            }
            if flags.contains('F') {
                b = b.fin();
            }
            frame.clear();
            b.write(&mut frame, payload)
                .map_err(std::io::Error::other)?;
            ts += 10;
            put(w, ts, &frame)
        };
        seg(&mut w, true, cseq, 0, "S", b"")?;
        cseq += 1;
        seg(&mut w, false, sseq, cseq, "SA", b"")?;
        sseq += 1;
        seg(&mut w, true, cseq, sseq, "A", b"")?;
        for r in 0..5 {
            let req = format!(
                "GET /app/page{r}.php?id={i} HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n"
            );
            seg(&mut w, true, cseq, sseq, "A", req.as_bytes())?;
            cseq += req.len() as u32;
            for c in resp.chunks(1448) {
                seg(&mut w, false, sseq, cseq, "A", c)?;
                sseq += c.len() as u32;
            }
        }
        seg(&mut w, true, cseq, sseq, "FA", b"")?;
        cseq += 1;
        seg(&mut w, false, sseq, cseq, "FA", b"")?;
        sseq += 1;
        seg(&mut w, true, cseq, sseq, "A", b"")?;
    }
    w.flush()
}
