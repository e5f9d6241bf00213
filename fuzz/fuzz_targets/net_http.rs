//! HTTP/1.x parser over two arbitrary streams: never panics, keeps bodies
//! within the limits, numbers transactions in order. The first byte says
//! where the input splits into client and server bytes, the second how
//! large the pieces they arrive in are.
#![no_main]
use ferret_net::{http, NetItem, NetLimits, NetRecord};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [split, piece, rest @ ..] = data else {
        return;
    };
    let at = (usize::from(*split) * rest.len()) / 255;
    let (client, server) = rest.split_at(at.min(rest.len()));
    let limits = NetLimits {
        max_header: 512,
        max_body: 32,
        max_decoded: 4096,
        ..NetLimits::default()
    };
    let items = http::parse_streams(client, server, usize::from(*piece).max(1), &limits);
    let mut depth = 0;
    for item in items {
        if let NetItem::Record(NetRecord::Http(t)) = item {
            assert!(t.trans_depth > depth);
            depth = t.trans_depth;
            assert!(t.request_body.data.len() <= limits.max_body);
            if let Some(r) = &t.response {
                assert!(r.body.data.len() <= limits.max_body);
                assert!(r.body.len <= limits.max_decoded as u64 || r.body.problem.is_none());
            }
        }
    }
});
