//! Capture reader over arbitrary bytes with small limits: never panics,
//! keeps every record within the limits, and its counts agree with what it
//! emitted. The first byte picks a steering prefix: a legacy pcap header
//! (one of several link types, either byte order), a pcapng section and
//! interface, or none.
#![no_main]
use ferret_net::{read_capture, NetItem, NetLimits, NetRecord};
use libfuzzer_sys::fuzz_target;
use std::ops::ControlFlow;

const LINKS: [u32; 6] = [1, 113, 276, 0, 101, 229];

fn pcap_header(link: u32, big: bool) -> Vec<u8> {
    let words: [u32; 5] = [0xa1b2_c3d4, 0x0004_0002, 0, 0, 65535];
    let mut h = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if i == 1 {
            let (a, b) = (2u16, 4u16);
            if big {
                h.extend_from_slice(&a.to_be_bytes());
                h.extend_from_slice(&b.to_be_bytes());
            } else {
                h.extend_from_slice(&a.to_le_bytes());
                h.extend_from_slice(&b.to_le_bytes());
            }
            continue;
        }
        h.extend_from_slice(&if big {
            w.to_be_bytes()
        } else {
            w.to_le_bytes()
        });
    }
    h.extend_from_slice(&if big {
        link.to_be_bytes()
    } else {
        link.to_le_bytes()
    });
    h
}

fn pcapng_header(link: u16) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&0x0a0d_0d0au32.to_le_bytes());
    h.extend_from_slice(&28u32.to_le_bytes());
    h.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&0u16.to_le_bytes());
    h.extend_from_slice(&(-1i64).to_le_bytes());
    h.extend_from_slice(&28u32.to_le_bytes());
    h.extend_from_slice(&1u32.to_le_bytes());
    h.extend_from_slice(&20u32.to_le_bytes());
    h.extend_from_slice(&link.to_le_bytes());
    h.extend_from_slice(&0u16.to_le_bytes());
    h.extend_from_slice(&65535u32.to_le_bytes());
    h.extend_from_slice(&20u32.to_le_bytes());
    h
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let link = LINKS[usize::from(pick >> 2) % LINKS.len()];
    let input: Vec<u8> = match pick % 4 {
        0 => [pcap_header(link, false).as_slice(), rest].concat(),
        1 => [pcap_header(link, true).as_slice(), rest].concat(),
        2 => [pcapng_header(link as u16).as_slice(), rest].concat(),
        _ => rest.to_vec(),
    };
    let limits = NetLimits {
        max_stream_buffer: 512,
        max_total_buffer: 2048,
        max_flows: 8,
        max_header: 256,
        max_body: 64,
        max_decoded: 1024,
        idle_timeout_secs: 5,
    };
    let (mut http, mut conns) = (0u64, 0u64);
    let mut last_depth = std::collections::HashMap::new();
    let res = read_capture(&input[..], &limits, &mut |item| {
        match item {
            NetItem::Record(NetRecord::Http(t)) => {
                http += 1;
                assert!(t.request_body.data.len() <= limits.max_body);
                if let Some(r) = &t.response {
                    assert!(r.body.data.len() <= limits.max_body);
                    assert!(r.body.data.len() as u64 <= r.body.len);
                }
                let d = last_depth.entry(t.uid.clone()).or_insert(0u32);
                assert!(t.trans_depth > *d, "trans_depth goes up per connection");
                *d = t.trans_depth;
            }
            NetItem::Record(NetRecord::Conn(c)) => {
                conns += 1;
                assert!(c.uid.starts_with('C'));
            }
            NetItem::Problem(p) => assert!(!p.message.is_empty()),
        }
        ControlFlow::Continue(())
    });
    if let Ok(stats) = res {
        assert_eq!(stats.http, http);
        assert_eq!(stats.conns, conns);
        assert!(stats.evicted <= conns);
        assert!(stats.undecoded <= stats.packets);
    }
});
