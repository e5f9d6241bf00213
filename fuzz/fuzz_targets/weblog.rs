//! Web-log analysis: hostile W3C or combined logs (and hostile settings) never
//! panic; findings keep their bounds; splitting the input over two analyzers
//! and merging gives the same findings as one analyzer.
#![no_main]
use ferret_core::Event;
use ferret_hunt::weblog::{WeblogAnalyzer, WeblogConfig};
use ferret_logs::{Item, ReadOptions};
use libfuzzer_sys::fuzz_target;
use std::ops::ControlFlow;
use std::sync::{Arc, OnceLock};

fn shipped() -> Arc<WeblogConfig> {
    static CFG: OnceLock<Arc<WeblogConfig>> = OnceLock::new();
    CFG.get_or_init(|| Arc::new(WeblogConfig::shipped()))
        .clone()
}

fn read(data: &[u8], w3c: bool) -> Vec<Event> {
    let mut events = Vec::new();
    let mut sink = |item: Item| {
        if let Item::Event(e) = item {
            events.push(e);
        }
        ControlFlow::Continue(())
    };
    let opts = ReadOptions::default();
    if w3c {
        ferret_logs::w3c::read("fuzz.log", data, &opts, &mut sink);
    } else {
        ferret_logs::combined::read("fuzz.log", data, &opts, &mut sink);
    }
    events
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 4 == 3 {
        // Hostile settings: an error or a usable config, never a panic.
        if let Ok(cfg) = WeblogConfig::from_toml(&String::from_utf8_lossy(rest)) {
            let _ = cfg.severity_of(f64::NAN);
        }
        return;
    }
    let events = read(rest, mode % 2 == 0);
    let lines = rest.split(|&b| b == b'\n').count() as u64;
    let cfg = shipped();
    let mut one = WeblogAnalyzer::new(Arc::clone(&cfg));
    let mut halves = [
        WeblogAnalyzer::new(Arc::clone(&cfg)),
        WeblogAnalyzer::new(Arc::clone(&cfg)),
    ];
    for (i, e) in events.iter().enumerate() {
        one.observe(e);
        halves[(i * 5 + usize::from(mode)) % 2].observe(e);
    }
    // Later events first: arrival order must not matter.
    let [mut a, b] = halves;
    let mut reversed = WeblogAnalyzer::new(Arc::clone(&cfg));
    for e in events.iter().rev() {
        reversed.observe(e);
    }
    a.merge(b);
    assert_eq!(one.requests(), events.len() as u64);
    assert_eq!(a.requests(), one.requests());
    let found = one.finish();
    assert_eq!(a.finish(), found);
    assert_eq!(reversed.finish(), found);
    for w in found.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
    for f in &found {
        assert!(f.score >= cfg.threshold());
        assert!(f.lines.len() <= 20 && f.clients.len() <= 10);
        assert!(f.clients.len() as u64 <= f.client_count);
        assert!(f.lines.iter().all(|(_, l)| (1..=lines).contains(l)));
        assert!(f.first_seen <= f.last_seen || f.first_seen.is_none() || f.last_seen.is_none());
        assert!(!f.signals.is_empty());
    }
});
