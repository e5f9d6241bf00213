//! SQL Server ERRORLOG reader: never panics, keeps its counts and line numbers consistent.
#![no_main]
use ferret_core::LogFormat;
use libfuzzer_sys::fuzz_target;

#[path = "common/text_reader.rs"]
mod text_reader;
use text_reader::check;

fuzz_target!(|data: &[u8]| {
    let _ = ferret_logs::errorlog::looks_like(data);
    check(data, LogFormat::MssqlErrorlog, ferret_logs::errorlog::read);
});
