use super::*;
use std::io::Write;

fn txs(items: Vec<NetItem>) -> (Vec<HttpTransaction>, Vec<NetProblem>) {
    let mut t = Vec::new();
    let mut p = Vec::new();
    for i in items {
        match i {
            NetItem::Record(NetRecord::Http(mut x)) => {
                x.packet = 0;
                t.push(*x)
            }
            NetItem::Problem(x) => p.push(x),
            NetItem::Record(NetRecord::Conn(_)) => {}
        }
    }
    (t, p)
}

fn both_ways(client: &[u8], server: &[u8]) -> Vec<HttpTransaction> {
    let limits = NetLimits::default();
    let whole = txs(parse_streams(client, server, usize::MAX, &limits)).0;
    for piece in [1, 2, 7, 100] {
        let split = txs(parse_streams(client, server, piece, &limits)).0;
        assert_eq!(split, whole, "piece {piece}");
    }
    whole
}

#[test]
fn sniff() {
    assert_eq!(sniff_request(b"GET / HTTP/1.1"), Some(true));
    assert_eq!(sniff_request(b"PROPFIND "), Some(true));
    assert_eq!(sniff_request(b"GE"), None);
    assert_eq!(sniff_request(b"\x16\x03\x01"), Some(false));
    assert_eq!(sniff_request(b" GET"), Some(false));
    assert_eq!(sniff_request(b"get / HTTP/1.1"), Some(false));
}

#[test]
fn keep_alive_pipelined() {
    let c = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c?q=1 HTTP/1.0\r\n\r\n";
    let s = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nHTTP/1.0 404 Not Found\r\n\r\nbye";
    let t = both_ways(c, s);
    assert_eq!(t.len(), 3);
    assert_eq!(t[0].uri, "/a");
    assert_eq!(t[0].trans_depth, 1);
    assert_eq!(t[0].response.as_ref().unwrap().body.data, b"hello");
    assert_eq!(t[1].method, "HEAD");
    assert_eq!(t[1].response.as_ref().unwrap().body.len, 0);
    assert_eq!(t[2].uri, "/c?q=1");
    assert_eq!(t[2].version, "1.0");
    assert_eq!(t[2].trans_depth, 3);
    let r = t[2].response.as_ref().unwrap();
    assert_eq!((r.status, r.reason.as_str()), (404, "Not Found"));
    assert_eq!(r.body.data, b"bye");
}

#[test]
fn chunked_post_with_trailer_and_continue() {
    let c = b"POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n4;x=y\r\nWiki\r\n5\r\npedia\r\n0\r\nX-T: 1\r\n\r\n";
    let s = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
    let t = both_ways(c, s);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].request_body.data, b"Wikipedia");
    assert_eq!(t[0].request_body.len, 9);
    assert_eq!(t[0].response.as_ref().unwrap().status, 201);
}

#[test]
fn gzip_response() {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b"<?php eval($_POST['x']); ?>").unwrap();
    let z = e.finish().unwrap();
    let mut s = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        z.len()
    )
    .into_bytes();
    s.extend_from_slice(&z);
    let t = both_ways(b"GET /s.php HTTP/1.1\r\n\r\n", &s);
    let b = &t[0].response.as_ref().unwrap().body;
    assert_eq!(b.data, b"<?php eval($_POST['x']); ?>");
    assert!(!b.truncated);
}

#[test]
fn body_until_close_and_no_response() {
    let t = both_ways(
        b"GET / HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\nall of it",
    );
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].response.as_ref().unwrap().body.data, b"all of it");
    assert!(t[1].response.is_none());
}

#[test]
fn oversized_header_gives_up_with_one_problem() {
    let limits = NetLimits {
        max_header: 100,
        ..NetLimits::default()
    };
    let mut c = b"GET / HTTP/1.1\r\n".to_vec();
    for _ in 0..50 {
        c.extend_from_slice(b"X-Long: aaaaaaaaaaaaa\r\n");
    }
    c.extend_from_slice(b"\r\n");
    let (t, p) = txs(parse_streams(&c, b"", 10, &limits));
    assert!(t.is_empty());
    assert_eq!(p.len(), 1);
    assert!(p[0].message.contains("over 100 bytes"));
}

#[test]
fn not_http_is_silent() {
    let (t, p) = txs(parse_streams(
        b"EHLO mail.example\r\n\r\n",
        b"220 hi\r\n",
        5,
        &NetLimits::default(),
    ));
    assert!(t.is_empty() && p.is_empty());
}

#[test]
fn gap_in_length_body_keeps_framing() {
    let limits = NetLimits::default();
    let mut h = HttpConn::new("C1".into(), parse_flow(), &limits);
    let mut out = Vec::new();
    let ts = Timestamp::from_unix_secs(1);
    h.data(
        Side::Client,
        b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
        ts,
        1,
        &mut out,
    );
    h.data(
        Side::Server,
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        ts,
        2,
        &mut out,
    );
    h.gap(Side::Server, 4, &mut out);
    h.data(Side::Server, b"hij", ts, 3, &mut out);
    h.data(
        Side::Server,
        b"HTTP/1.1 204 No Content\r\n\r\n",
        ts,
        4,
        &mut out,
    );
    let (t, _) = txs(out);
    assert_eq!(t.len(), 2);
    let b = &t[0].response.as_ref().unwrap().body;
    assert_eq!(b.len, 10);
    assert!(b.truncated && b.problem.is_some());
    assert_eq!(t[1].response.as_ref().unwrap().status, 204);
}

#[test]
fn gap_in_headers_resyncs_at_next_request() {
    let limits = NetLimits::default();
    let mut h = HttpConn::new("C1".into(), parse_flow(), &limits);
    let mut out = Vec::new();
    let ts = Timestamp::from_unix_secs(1);
    h.data(Side::Client, b"GET /a HTTP/1.1\r\nHo", ts, 1, &mut out);
    h.gap(Side::Client, 10, &mut out);
    h.data(
        Side::Client,
        b"junk\r\nmore\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nok",
        ts,
        2,
        &mut out,
    );
    h.finish(&mut out);
    let (t, _) = txs(out);
    assert_eq!(t.len(), 2);
    // The cut request keeps its request line, marked.
    assert_eq!(t[0].uri, "/a");
    assert!(t[0]
        .request_body
        .problem
        .as_deref()
        .unwrap()
        .contains("cut short"));
    assert_eq!(t[1].uri, "/b");
    assert_eq!(t[1].request_body.data, b"ok");
}

fn parse_flow() -> FlowId {
    use std::net::{IpAddr, Ipv4Addr};
    let e = |port| crate::Endpoint {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port,
    };
    FlowId {
        orig: e(5000),
        resp: e(80),
    }
}
