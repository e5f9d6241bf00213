//! The whole content pipeline on arbitrary bytes: language sniffing, YARA,
//! heuristics (taint regexes, comment stripping) and the de-obfuscation pass
//! (string joining, base64, inflate). The first byte picks the file name.
#![no_main]
use ferret_detect::webshell::{FileInput, ScanContext, WebshellConfig, WebshellRules};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

const NAMES: [&str; 8] = ["a.php", "a.aspx", "a.asp", "a.jsp", "a.cfm", "a.pl", "a.jpg", "a.txt"];

fn rules() -> &'static WebshellRules {
    static R: OnceLock<WebshellRules> = OnceLock::new();
    R.get_or_init(|| WebshellConfig::default().build().unwrap().0)
}

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else { return };
    let name = NAMES[*first as usize % NAMES.len()];
    let mut scanner = rules().scanner();
    let ctx = ScanContext { host: "fuzz".into(), time: "1970-01-01T00:00:00Z".into() };
    let input = FileInput { path: Path::new(name), original_path: None, data: rest, mtime: None };
    if let Ok(v) = scanner.scan(&input, &ctx) {
        if let Some(f) = v.finding {
            // Escaped text must never carry a control character.
            let json = format!("{:?}", f.subject.path());
            assert!(!json.contains('\x1b'));
            for e in &f.evidence {
                if let Some(x) = &e.excerpt {
                    assert!(!x.as_str().chars().any(|c| c.is_control()));
                }
            }
        }
    }
});
