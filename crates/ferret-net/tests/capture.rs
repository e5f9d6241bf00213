//! End-to-end: synthetic captures through `read_capture`.

mod common;

use common::*;
use ferret_net::{read_capture, ConnState, NetItem, NetLimits, Transport};
use std::io::Write;
use std::ops::ControlFlow;

const GET_A: &[u8] = b"GET /index.php?id=1 HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: t\r\n\r\n";
const OK_A: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 11\r\n\r\nhello world";
const GET_B: &[u8] = b"GET /shell.jsp HTTP/1.1\r\nHost: shop.example\r\n\r\n";
const OK_B: &[u8] = b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!";

fn keep_alive(link: Link, client: (&str, u16), server: (&str, u16)) -> Conv {
    let mut c = Conv::new(link, client, server);
    c.handshake()
        .c2s(GET_A, 1460)
        .s2c(OK_A, 1460)
        .c2s(GET_B, 1460)
        .s2c(OK_B, 20)
        .close();
    c
}

fn check_keep_alive(g: &Got) {
    assert!(g.problems.is_empty(), "{:?}", g.problems);
    assert_eq!(g.http.len(), 2, "{:?}", g.http);
    let (a, b) = (&g.http[0], &g.http[1]);
    assert_eq!(a.method, "GET");
    assert_eq!(a.uri, "/index.php?id=1");
    assert_eq!(a.trans_depth, 1);
    assert_eq!(a.response.as_ref().unwrap().status, 200);
    assert_eq!(a.response.as_ref().unwrap().body.data, b"hello world");
    assert_eq!(b.uri, "/shell.jsp");
    assert_eq!(b.trans_depth, 2);
    assert_eq!(b.response.as_ref().unwrap().body.data, b"no!");
    assert_eq!(a.uid, b.uid);
    assert_eq!(g.conns.len(), 1);
    let c = &g.conns[0];
    assert_eq!(c.uid, a.uid);
    assert_eq!(c.state, ConnState::SF);
    assert_eq!(c.service, Some("http"));
    assert_eq!(c.proto, Transport::Tcp);
    assert_eq!(c.orig_bytes, (GET_A.len() + GET_B.len()) as u64);
    assert_eq!(c.resp_bytes, (OK_A.len() + OK_B.len()) as u64);
    assert_eq!(c.missed_bytes, 0);
    assert_eq!(c.flow.orig.port, a.flow.orig.port);
    assert!(!c.evicted);
    assert_eq!(g.stats.http, 2);
    assert_eq!(g.stats.conns, 1);
    assert_eq!(g.stats.undecoded, 0);
}

#[test]
fn keep_alive_two_transactions() {
    let c = keep_alive(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    let g = read_default(&c.pcap());
    check_keep_alive(&g);
    assert_eq!(g.conns[0].orig_pkts, 2 + 2 + 2);
    assert_eq!(g.conns[0].packet, 1);
    assert_eq!(g.http[0].packet, 4);
    assert_eq!(g.http[1].packet, 6);
    assert_eq!(g.stats.packets, c.frames.len() as u64);
}

#[test]
fn link_types_and_ipv6() {
    for link in [
        Link::Vlan,
        Link::QinQ,
        Link::Sll,
        Link::Sll2,
        Link::Null,
        Link::Raw,
    ] {
        let c = keep_alive(link, ("10.0.0.1", 40000), ("10.0.0.2", 80));
        check_keep_alive(&read_default(&c.pcap()));
    }
    for link in [Link::Eth, Link::Vlan, Link::Sll2, Link::Raw] {
        let c = keep_alive(link, ("2001:db8::1", 40000), ("2001:db8::2", 8080));
        let g = read_default(&c.pcap());
        check_keep_alive(&g);
        assert!(g.conns[0].flow.orig.ip.is_ipv6());
    }
}

#[test]
fn pcap_big_endian_and_nanoseconds() {
    let c = keep_alive(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    for (nano, be) in [(true, false), (false, true), (true, true)] {
        let mut w = Pcap::with(1, nano, be);
        for (ts, f) in &c.frames {
            w.packet(*ts, f);
        }
        let g = read_default(&w.finish());
        check_keep_alive(&g);
        assert_eq!(g.conns[0].ts.unix_micros(), c.frames[0].0);
    }
}

#[test]
fn pcapng_two_interfaces() {
    let a = keep_alive(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    let b = keep_alive(Link::Sll2, ("10.0.0.3", 40001), ("10.0.0.4", 8000));
    let mut packets = Vec::new();
    for (i, ((ta, fa), (tb, fb))) in a.frames.iter().zip(&b.frames).enumerate() {
        let _ = i;
        packets.push((0, *ta as u64, fa.clone()));
        packets.push((1, *tb as u64 * 1000 + 1, fb.clone()));
    }
    let g = read_default(&pcapng(&[(1, 6), (276, 9)], &packets));
    assert!(g.problems.is_empty(), "{:?}", g.problems);
    assert_eq!(g.http.len(), 4);
    assert_eq!(g.conns.len(), 2);
    assert!(g.conns.iter().all(|c| c.state == ConnState::SF));
    assert_eq!(g.conns[1].ts.unix_micros(), b.frames[0].0);
}

#[test]
fn chunked_post_and_gzip_response() {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(b"<%@ page import=\"java.io.*\" %> cmd output")
        .unwrap();
    let z = z.finish().unwrap();
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        z.len()
    )
    .into_bytes();
    resp.extend_from_slice(&z);
    resp.extend_from_slice(b"\r\n0\r\n\r\n");
    let mut c = Conv::new(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    c.handshake()
        .c2s(
            b"POST /up.jsp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ncmd\r\n4\r\n=id;\r\n0\r\n\r\n",
            10,
        )
        .s2c(&resp, 7)
        .close();
    let g = read_default(&c.pcap());
    assert_eq!(g.http.len(), 1);
    let t = &g.http[0];
    assert_eq!(t.request_body.data, b"cmd=id;");
    let r = t.response.as_ref().unwrap();
    assert_eq!(r.body.data, b"<%@ page import=\"java.io.*\" %> cmd output");
    assert!(!r.body.truncated);
}

#[test]
fn out_of_order_overlap_and_retransmission() {
    let mut c = Conv::new(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    c.handshake();
    // GET_A in three pieces: third first, then an overlapping second with
    // different bytes in the overlap (first wins), then the first, then a
    // retransmission of everything.
    let n = GET_A.len() as u32;
    c.seg(true, 30, &GET_A[30..]);
    let mut bad = GET_A[10..40].to_vec();
    bad[25..].copy_from_slice(b"XXXXX");
    c.seg(true, 10, &bad);
    c.seg(true, 0, &GET_A[..12]);
    c.seg(true, 0, GET_A);
    c.advance(true, n);
    c.s2c(OK_A, 1460).close();
    let g = read_default(&c.pcap());
    assert_eq!(g.http.len(), 1);
    assert_eq!(g.http[0].uri, "/index.php?id=1");
    assert_eq!(g.http[0].request_headers[1].1, b"t");
    assert_eq!(g.conns[0].missed_bytes, 0);
}

#[test]
fn missing_segment_counts_missed_bytes() {
    let mut c = Conv::new(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    c.handshake().c2s(GET_A, 1460);
    let body = vec![b'x'; 3000];
    let mut resp = b"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n".to_vec();
    resp.extend_from_slice(&body);
    let head_len = resp.len() - 3000;
    c.seg(false, 0, &resp[..head_len + 1000]);
    // bytes head_len+1000 .. head_len+2000 never captured
    c.seg(false, (head_len + 2000) as u32, &resp[head_len + 2000..]);
    c.advance(false, resp.len() as u32);
    c.c2s(GET_B, 1460).s2c(OK_B, 1460).close();
    let g = read_default(&c.pcap());
    assert_eq!(g.conns[0].missed_bytes, 1000);
    assert_eq!(g.stats.missed_bytes, 1000);
    assert_eq!(g.http.len(), 2, "{:?}", g.http);
    let b = &g.http[0].response.as_ref().unwrap().body;
    assert_eq!(b.len, 3000);
    assert!(b.truncated && b.problem.is_some());
    assert_eq!(g.http[1].response.as_ref().unwrap().status, 404);
}

#[test]
fn snap_length_cut() {
    let mut c = Conv::new(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    let mut resp = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".to_vec();
    resp.extend_from_slice(&[b'y'; 1000]);
    c.handshake()
        .c2s(GET_A, 1460)
        .s2c(&resp, 1460)
        .c2s(GET_B, 1460)
        .s2c(OK_B, 1460)
        .close();
    let mut w = Pcap::new(1);
    for (i, (ts, f)) in c.frames.iter().enumerate() {
        // the big response segment is cut to 200 bytes
        let snap = if i == 4 { 200 } else { usize::MAX };
        w.packet_cut(*ts, f, snap);
    }
    let g = read_default(&w.finish());
    let cut = (14 + 20 + 20 + resp.len()) as u64 - 200;
    assert_eq!(g.conns[0].missed_bytes, cut);
    assert_eq!(g.conns[0].resp_bytes, (resp.len() + OK_B.len()) as u64);
    assert_eq!(g.http.len(), 2);
    let b = &g.http[0].response.as_ref().unwrap().body;
    assert_eq!(b.len, 1000);
    assert!(b.truncated);
    assert_eq!(g.http[1].response.as_ref().unwrap().body.data, b"no!");
}

#[test]
fn truncated_file_keeps_records_and_says_so() {
    let a = keep_alive(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    let mut bytes = a.pcap();
    let mut b = Conv::new(Link::Eth, ("10.0.0.5", 40000), ("10.0.0.6", 80));
    b.handshake().c2s(GET_A, 1460);
    let more = b.pcap();
    bytes.extend_from_slice(&more[24..]);
    bytes.truncate(bytes.len() - 10);
    let g = read_default(&bytes);
    assert_eq!(g.problems.len(), 1, "{:?}", g.problems);
    let n = a.frames.len() + 4;
    assert_eq!(
        g.problems[0].message,
        format!("capture truncated at packet {n}")
    );
    assert_eq!(g.http.len(), 2);
    assert_eq!(g.conns.len(), 2);
    assert_eq!(g.conns[1].state, ConnState::S1);
}

#[test]
fn not_a_capture_is_an_error() {
    let mut sink = |_: NetItem| ControlFlow::Continue(());
    assert!(read_capture(
        &b"hello world, not pcap"[..],
        &NetLimits::default(),
        &mut sink
    )
    .is_err());
    assert!(read_capture(&b""[..], &NetLimits::default(), &mut sink).is_err());
}

#[test]
fn syn_flood_is_bounded() {
    let mut w = Pcap::new(1);
    let src: std::net::IpAddr = "10.9.0.1".parse().unwrap();
    let dst: std::net::IpAddr = "10.0.0.2".parse().unwrap();
    for i in 0..100_000u32 {
        let sport = 1024 + (i % 60000) as u16;
        let s = std::net::IpAddr::V4(std::net::Ipv4Addr::from(
            u32::from_be_bytes([10, 9, 0, 0]) + i / 60000,
        ));
        let _ = src;
        let f = frame(Link::Eth, s, dst, sport, 80, i, 0, SYN, b"", false);
        w.packet(1_700_000_000_000_000 + i64::from(i), &f);
    }
    let limits = NetLimits {
        max_flows: 1000,
        ..NetLimits::default()
    };
    let g = read(&w.finish(), &limits);
    assert_eq!(g.conns.len(), 100_000);
    assert_eq!(g.stats.evicted, 99_000);
    assert!(g.conns.iter().all(|c| c.state == ConnState::S0));
    assert_eq!(g.conns.iter().filter(|c| c.evicted).count(), 99_000);
}

#[test]
fn http_parsers_share_the_global_cap() {
    // 400 connections, each sending an unfinished 30 KB header block: the
    // parsers would hold 12 MB; with a 1 MB cap some stop early (one
    // problem), the rest still parse, and connections are all recorded.
    let mut w = Pcap::new(1);
    let mut head = b"GET /a HTTP/1.1\r\nHost: x\r\nX-Pad: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 30_000));
    let mut ts = 1_700_000_000_000_000i64;
    for i in 0..400u16 {
        let mut c = Conv::new(Link::Eth, ("10.0.0.1", 20000 + i), ("10.0.0.2", 80));
        c.ts = ts;
        c.handshake().c2s(&head, 1460);
        for (t, f) in &c.frames {
            w.packet(*t, f);
        }
        ts = c.ts;
    }
    let limits = NetLimits {
        max_total_buffer: 1 << 20,
        ..NetLimits::default()
    };
    let g = read(&w.finish(), &limits);
    assert_eq!(g.conns.len(), 400);
    let capped: Vec<_> = g
        .problems
        .iter()
        .filter(|p| p.message.contains("buffered HTTP"))
        .collect();
    assert_eq!(capped.len(), 1, "{:?}", g.problems);
    // Without the cap nothing is cut.
    let g = read(&w_again(&head), &NetLimits::default());
    assert!(g
        .problems
        .iter()
        .all(|p| !p.message.contains("buffered HTTP")));
}

fn w_again(head: &[u8]) -> Vec<u8> {
    let mut w = Pcap::new(1);
    let mut c = Conv::new(Link::Eth, ("10.0.0.1", 20000), ("10.0.0.2", 80));
    c.handshake().c2s(head, 1460);
    for (t, f) in &c.frames {
        w.packet(*t, f);
    }
    w.finish()
}

#[test]
fn decompression_bomb_is_capped() {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..100 {
        z.write_all(&zeros).unwrap();
    }
    let z = z.finish().unwrap();
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        z.len()
    )
    .into_bytes();
    resp.extend_from_slice(&z);
    let mut c = Conv::new(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    c.handshake().c2s(GET_A, 1460).s2c(&resp, 1460).close();
    let limits = NetLimits::default();
    let g = read(&c.pcap(), &limits);
    let b = &g.http[0].response.as_ref().unwrap().body;
    assert_eq!(b.len, limits.max_decoded as u64);
    assert_eq!(b.data.len(), limits.max_body);
    assert!(b.truncated);
    assert!(b.problem.as_deref().unwrap().contains("bomb"));
}

#[test]
fn http_on_odd_port_without_handshake_is_turned_round() {
    // Capture starts mid-connection; the server listens on 45000, the
    // client's port is lower, so the port guess is wrong until HTTP shows
    // who asks.
    let mut c = Conv::new(Link::Eth, ("10.0.0.1", 31337), ("10.0.0.2", 45000));
    c.c2s(GET_A, 1460).s2c(OK_A, 1460);
    let g = read_default(&c.pcap());
    assert_eq!(g.http.len(), 1);
    assert_eq!(g.http[0].flow.resp.port, 45000);
    let conn = &g.conns[0];
    assert_eq!(conn.state, ConnState::Oth);
    assert_eq!(conn.flow.orig.port, 31337);
    assert_eq!(conn.orig_bytes, GET_A.len() as u64);
    assert_eq!(conn.service, Some("http"));
}

#[test]
fn udp_and_non_http_tcp_conns() {
    let mut w = Pcap::new(1);
    let a: std::net::IpAddr = "10.0.0.1".parse().unwrap();
    let b: std::net::IpAddr = "10.0.0.53".parse().unwrap();
    w.packet(
        1_000_000,
        &frame(Link::Eth, a, b, 5353, 53, 0, 0, 0, b"query", true),
    );
    w.packet(
        1_500_000,
        &frame(Link::Eth, b, a, 53, 5353, 0, 0, 0, b"answer!", true),
    );
    w.packet(
        2_000_000,
        &frame(Link::Eth, a, b, 5354, 53, 0, 0, 0, b"q2", true),
    );
    let mut c = Conv::new(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 22));
    c.handshake()
        .s2c(b"SSH-2.0-OpenSSH\r\n", 100)
        .c2s(b"SSH-2.0-x\r\n", 100)
        .close();
    for (ts, f) in &c.frames {
        w.packet(*ts, f);
    }
    let g = read_default(&w.finish());
    assert!(g.http.is_empty());
    let udp: Vec<_> = g
        .conns
        .iter()
        .filter(|c| c.proto == Transport::Udp)
        .collect();
    assert_eq!(udp.len(), 2);
    let q = udp.iter().find(|c| c.flow.orig.port == 5353).unwrap();
    assert_eq!(
        (q.orig_bytes, q.resp_bytes, q.orig_pkts, q.resp_pkts),
        (5, 7, 1, 1)
    );
    assert_eq!(q.state, ConnState::SF);
    assert_eq!(q.duration_micros, 500_000);
    let q2 = udp.iter().find(|c| c.flow.orig.port == 5354).unwrap();
    assert_eq!(q2.state, ConnState::S0);
    let ssh = g.conns.iter().find(|c| c.proto == Transport::Tcp).unwrap();
    assert_eq!(ssh.service, None);
    assert_eq!(ssh.state, ConnState::SF);
    assert_eq!(ssh.flow.resp.port, 22);
}

#[test]
fn rejected_and_reset_states() {
    let mut w = Pcap::new(1);
    let a: std::net::IpAddr = "10.0.0.1".parse().unwrap();
    let b: std::net::IpAddr = "10.0.0.2".parse().unwrap();
    w.packet(1, &frame(Link::Eth, a, b, 40000, 81, 1, 0, SYN, b"", false));
    w.packet(
        2,
        &frame(Link::Eth, b, a, 81, 40000, 0, 2, RST | ACK, b"", false),
    );
    let mut c = Conv::new(Link::Eth, ("10.0.0.1", 40001), ("10.0.0.2", 80));
    c.handshake().c2s(GET_A, 1460);
    let (s, d) = (c.server, c.client);
    let rst = frame(Link::Eth, s.0, d.0, s.1, d.1, c.sseq, 0, RST, b"", false);
    for (ts, f) in &c.frames {
        w.packet(*ts, f);
    }
    w.packet(c.ts + 1, &rst);
    let g = read_default(&w.finish());
    let rej = g.conns.iter().find(|c| c.flow.resp.port == 81).unwrap();
    assert_eq!(rej.state, ConnState::Rej);
    let rstr = g.conns.iter().find(|c| c.flow.resp.port == 80).unwrap();
    assert_eq!(rstr.state, ConnState::Rstr);
    assert_eq!(g.http.len(), 1);
    assert!(g.http[0].response.is_none());
}

#[test]
fn idle_timeout_and_order() {
    let mut w = Pcap::new(1);
    let a = keep_alive(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    // An unfinished connection, then a packet 10 minutes later.
    let mut b = Conv::new(Link::Eth, ("10.0.0.3", 40000), ("10.0.0.2", 80));
    b.handshake().c2s(GET_A, 1460);
    for (ts, f) in b.frames.iter().chain(&a.frames) {
        w.packet(*ts, f);
    }
    let late = frame(
        Link::Eth,
        "10.0.0.7".parse().unwrap(),
        "10.0.0.8".parse().unwrap(),
        1,
        2,
        0,
        0,
        0,
        b"x",
        true,
    );
    w.packet(a.ts + 600_000_000, &late);
    let g = read_default(&w.finish());
    assert_eq!(g.conns.len(), 3);
    // idle one first (evicted by timeout), then the closed one, then the UDP
    assert!(g
        .conns
        .iter()
        .any(|c| c.evicted && c.flow.orig.ip.to_string() == "10.0.0.3"));
    assert_eq!(g.stats.evicted, 1);
    assert_eq!(g.http.len(), 3);
}

#[test]
fn break_stops_promptly() {
    let mut w = Pcap::new(1);
    for i in 0..50u16 {
        let c = keep_alive(Link::Eth, ("10.0.0.1", 40000 + i), ("10.0.0.2", 80));
        for (ts, f) in &c.frames {
            w.packet(*ts + i64::from(i) * 10_000_000, f);
        }
    }
    let bytes = w.finish();
    let mut seen = 0;
    let stats = read_capture(&bytes[..], &NetLimits::default(), &mut |_| {
        seen += 1;
        if seen == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(seen, 3);
    assert!(stats.packets < 50 * 13);
}

#[test]
fn real_captures_in_tests_data() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if !(name.ends_with(".pcap") || name.ends_with(".pcapng")) {
            continue;
        }
        let g = read_default(&std::fs::read(&p).unwrap());
        if name == "truncated.pcap" {
            assert_eq!(g.problems.len(), 1, "{name}: {:?}", g.problems);
            assert!(g.problems[0]
                .message
                .starts_with("capture truncated at packet"));
        } else {
            assert!(g.problems.is_empty(), "{name}: {:?}", g.problems);
        }
        assert!(!g.http.is_empty(), "{name}: no HTTP");
        assert_eq!(g.stats.undecoded, 0, "{name}");
        assert!(g.conns.iter().any(|c| c.service == Some("http")), "{name}");
        if name != "snaplen-200.pcap" && name != "truncated.pcap" {
            assert_eq!(g.stats.missed_bytes, 0, "{name}");
            assert!(g.http.iter().all(|t| t.response.is_some()), "{name}");
        }
        if name == "webshell-chopper.pcap" {
            let shell: Vec<_> = g
                .http
                .iter()
                .filter(|t| t.uri == "/uploads/shell.php")
                .collect();
            assert_eq!(shell.len(), 7);
            assert!(shell.iter().all(|t| t.method == "POST"
                && t.flow.orig.ip.to_string() == "127.0.0.66"
                && t.request_body.data.starts_with(b"caidao=")));
            assert!(shell.iter().any(|t| {
                let b = &t.response.as_ref().unwrap().body.data;
                b.windows(3).any(|w| w == b"->|")
            }));
        }
        if name == "snaplen-200.pcap" {
            assert!(g.http.iter().any(|t| t.uri == "/uploads/shell.php"));
            assert!(g.stats.missed_bytes > 0);
        }
    }
    // Re-segmented at MSS 1448, the Godzilla capture gives the same HTTP.
    let (a, b) = (
        dir.join("webshell-godzilla.pcap"),
        dir.join("webshell-godzilla-mss1448.pcap"),
    );
    if let (Ok(a), Ok(b)) = (std::fs::read(a), std::fs::read(b)) {
        let key = |g: Got| -> Vec<_> {
            g.http
                .into_iter()
                .map(|t| (t.uri, t.request_body, t.response.map(|r| r.body)))
                .collect()
        };
        assert_eq!(key(read_default(&a)), key(read_default(&b)));
    }
}

#[test]
fn damaged_captures_never_panic() {
    let mut c = keep_alive(Link::Vlan, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    c.c2s(
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        9,
    );
    let base = c.pcap();
    let limits = NetLimits {
        max_stream_buffer: 64,
        max_total_buffer: 128,
        max_flows: 2,
        max_header: 64,
        max_body: 8,
        max_decoded: 64,
        idle_timeout_secs: 1,
    };
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..1500 {
        let mut b = base.clone();
        for _ in 0..(rand() % 8 + 1) {
            let at = 24 + (rand() as usize) % (b.len() - 24);
            b[at] = rand() as u8;
        }
        if rand() % 4 == 0 {
            let cut = 24 + (rand() as usize) % (b.len() - 24);
            b.truncate(cut);
        }
        let mut sink = |_: NetItem| ControlFlow::Continue(());
        let _ = read_capture(&b[..], &limits, &mut sink);
    }
}

#[test]
fn snap_length_keeps_cut_request_lines() {
    // One big segment per message, cut at 120 bytes: the request line and
    // the first headers survive.
    let mut c = Conv::new(Link::Eth, ("10.0.0.1", 40000), ("10.0.0.2", 80));
    let mut req = b"POST /uploads/shell.php HTTP/1.1\r\nHost: a\r\nUser-Agent: x\r\nContent-Length: 500\r\n\r\n".to_vec();
    req.extend_from_slice(&[b'z'; 500]);
    let mut resp = b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n".to_vec();
    resp.extend_from_slice(&[b'r'; 400]);
    c.handshake()
        .c2s(&req, 9000)
        .s2c(&resp, 9000)
        .c2s(&req, 9000)
        .s2c(&resp, 9000)
        .close();
    let mut w = Pcap::new(1);
    for (ts, f) in &c.frames {
        w.packet_cut(*ts, f, 54 + 60);
    }
    let g = read_default(&w.finish());
    assert!(g.problems.is_empty(), "{:?}", g.problems);
    assert_eq!(g.http.len(), 2, "{:?}", g.http);
    for t in &g.http {
        assert_eq!(t.method, "POST");
        assert_eq!(t.uri, "/uploads/shell.php");
        assert!(t.request_body.truncated);
        assert_eq!(t.response.as_ref().map(|r| r.status), Some(200));
    }
    assert!(g.conns[0].missed_bytes > 0);
}
