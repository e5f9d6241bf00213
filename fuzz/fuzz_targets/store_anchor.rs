//! Key-file and anchor-file parsing: arbitrary bytes never panic, a decoded
//! anchor re-encodes to one that decodes to the same contents, and an anchor
//! never verifies under another key.
#![no_main]
use ferret_store::seal::{AnchorContents, Key};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

const FIXED_KEY: &[u8] = b"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
const OTHER_KEY: &[u8] = b"ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

fuzz_target!(|data: &[u8]| {
    // The first byte splits the input into key-file bytes and anchor bytes.
    let (key_bytes, anchor_bytes) = match data.split_first() {
        Some((&n, rest)) => rest.split_at((n as usize).min(rest.len())),
        None => (&data[..0], data),
    };
    let path = Path::new("fuzz.key");
    let fixed = Key::parse(path, FIXED_KEY).expect("the fixed key parses");
    let other = Key::parse(path, OTHER_KEY).expect("the other key parses");
    let key = match Key::parse(path, key_bytes) {
        Ok(k) => {
            let _ = k.id();
            k
        }
        Err(e) => {
            let _ = e.to_string();
            fixed.clone()
        }
    };
    for k in [&key, &fixed] {
        match AnchorContents::decode(Path::new("fuzz.anchor"), anchor_bytes, k) {
            Ok(contents) => {
                let encoded = contents.encode(k);
                let again = AnchorContents::decode(Path::new("fuzz.anchor"), &encoded, k)
                    .expect("a re-encoded anchor decodes");
                assert_eq!(again, contents);
                if k.id() != other.id() {
                    assert!(AnchorContents::decode(Path::new("x"), &encoded, &other).is_err());
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
