//! Zeek reader (TSV and JSON) and its sniffing: never panics, keeps its
//! counts and line numbers consistent, and the dispatch path reads
//! Zeek-looking input as Zeek. The first byte picks a steering prefix: a Zeek
//! TSV header, a `{"_path":` JSON start, or none.
#![no_main]
use ferret_core::LogFormat;
use ferret_logs::{dispatch, zeek, Item, ReadOptions};
use libfuzzer_sys::fuzz_target;
use std::ops::ControlFlow;

#[path = "common/text_reader.rs"]
mod text_reader;
use text_reader::check;

const TSV_HEADER: &[u8] = b"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n\
#unset_field\t-\n#path\thttp\n#fields\tts\tuid\tid.orig_h\tid.resp_p\tmethod\turi\tstatus_code\ttags\n\
#types\ttime\tstring\taddr\tport\tstring\tstring\tcount\tset[enum]\n";

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let input: Vec<u8> = match pick % 3 {
        0 => [TSV_HEADER, rest].concat(),
        1 => [&b"{\"_path\":"[..], rest].concat(),
        _ => rest.to_vec(),
    };
    let _ = zeek::looks_like_tsv(&input);
    let _ = zeek::looks_like_json(&input);
    check(&input, LogFormat::Zeek, zeek::read);

    let opts = ReadOptions {
        max_line: 512,
        max_member: 1 << 20,
        ..ReadOptions::default()
    };
    let name = "http.log";
    let steered = pick % 3 == 0;
    let mut items = 0u64;
    let stats = dispatch::read_bytes(name, &input, &opts, &mut |item| {
        items += 1;
        match &item {
            Item::Event(e) => {
                assert_eq!(e.source.path, name);
                if steered {
                    assert_eq!(e.format, LogFormat::Zeek);
                }
            }
            Item::Error(e) => assert_eq!(e.path, name),
        }
        ControlFlow::Continue(())
    });
    assert_eq!(stats.events + stats.errors, items);
});
