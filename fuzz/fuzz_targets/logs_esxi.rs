//! ESXi shell.log and hostd.log readers: never panic, keep their counts and
//! line numbers consistent.
#![no_main]
use ferret_core::LogFormat;
use ferret_logs::esxi;
use libfuzzer_sys::fuzz_target;

#[path = "common/text_reader.rs"]
mod text_reader;
use text_reader::check;

fuzz_target!(|data: &[u8]| {
    let _ = esxi::looks_like_shell(data);
    let _ = esxi::looks_like_hostd(data);
    check(data, LogFormat::EsxiShell, esxi::read_shell);
    check(data, LogFormat::EsxiHostd, esxi::read_hostd);
});
