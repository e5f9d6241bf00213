//! Database URL parsing: never panics, never shows the password.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(u) = ferret_collect::db::DbUrl::parse(&text) {
        let shown = u.to_string();
        if let Some((_, rest)) = text.split_once("://") {
            if let Some((userinfo, _)) = rest.split('/').next().unwrap_or_default().rsplit_once('@') {
                if let Some((_, pass)) = userinfo.split_once(':') {
                    if pass.len() > 3 {
                        assert!(!shown.contains(&format!(":{pass}@")), "{shown}");
                    }
                }
            }
        }
    }
});
