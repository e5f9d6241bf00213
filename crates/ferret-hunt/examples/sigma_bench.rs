//! Measures the Sigma engine.
//!
//! `cargo run --example sigma_bench -- RULES_DIR EVENTS.jsonl [N]` loads the
//! rules, reads events (one `ferret_core::Event::from_json` object per line),
//! runs them N times (default 1) through a matcher with and without the
//! prefilter, and prints rules loaded/refused, events/s and match counts.
//! `EVENTS.jsonl` may be `synth:DIR` to synthesize events from the rules
//! under DIR instead (values taken from the rules' own selections), or
//! `logs:DIR` to read the logs under DIR with ferret-logs (parse time printed).
//! With `SIGMA_BENCH_NO_COMPARE` set, the run without prefilter is skipped.

use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

use ferret_core::Event;
use ferret_hunt::sigma::{LoadStatus, Origin, RuleSet, RuleSetBuilder};

#[path = "../tests/sigmahq.rs"]
#[allow(dead_code)]
mod sigmahq;

fn load(rules: &Path, prefilter: bool) -> (RuleSet, usize, usize, usize) {
    let mut b = RuleSetBuilder::new();
    b.prefilter(prefilter);
    b.add_dir(rules, Origin::User);
    let (set, reports) = b.build();
    let refused = reports
        .iter()
        .filter(|r| matches!(r.status, LoadStatus::Refused(_)))
        .count();
    let unmapped = reports.iter().filter(|r| r.unmapped.is_some()).count();
    (set, reports.len(), refused, unmapped)
}

/// CPU seconds (user + system) this process used so far, from
/// `/proc/self/stat` (Linux; 0 elsewhere): less sensitive to a busy machine
/// than wall time.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesized command name; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn run(set: &RuleSet, events: &[Event], n: usize) -> (f64, usize) {
    let mut m = set.matcher();
    let mut out = Vec::new();
    let mut matches = 0;
    let cpu = cpu_secs();
    let t = Instant::now();
    for _ in 0..n {
        for e in events {
            out.clear();
            m.scan(e, &mut out);
            matches += out.len();
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!("  (cpu {:.2}s, wall {secs:.2}s)", cpu_secs() - cpu);
    (secs, matches)
}

/// Reads every log under `dir` with ferret-logs, timing the parse alone.
fn read_logs(dir: &str) -> Vec<Event> {
    use ferret_logs::{discover::discover, dispatch::read_file, Item, ReadOptions};
    use std::ops::ControlFlow;
    let found = discover(&[std::path::PathBuf::from(dir)]);
    let opts = ReadOptions::default();
    let mut events = Vec::new();
    let (cpu, t) = (cpu_secs(), Instant::now());
    for file in &found.files {
        let mut sink = |item: Item| {
            if let Item::Event(e) = item {
                events.push(e);
            }
            ControlFlow::Continue(())
        };
        read_file(file, &opts, &mut sink);
    }
    println!(
        "parse: {} files, {} events (cpu {:.2}s, wall {:.2}s)",
        found.files.len(),
        events.len(),
        cpu_secs() - cpu,
        t.elapsed().as_secs_f64()
    );
    events
}

fn read_events(path: &str) -> Result<(Vec<Event>, usize), String> {
    if let Some(dir) = path.strip_prefix("logs:") {
        return Ok((read_logs(dir), 0));
    }
    if let Some(dir) = path.strip_prefix("synth:") {
        return Ok((sigmahq::synth_events(Path::new(dir), usize::MAX), 0));
    }
    let f = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut events = Vec::new();
    let mut bad = 0;
    for line in std::io::BufReader::new(f).lines() {
        let line = line.map_err(|e| format!("{path}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| Event::from_json(&v).ok())
        {
            Some(e) => events.push(e),
            None => bad += 1,
        }
    }
    Ok((events, bad))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: sigma_bench RULES_DIR EVENTS.jsonl|synth:DIR|logs:DIR [N]");
        std::process::exit(2);
    }
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let rules = Path::new(&args[0]);
    let t = Instant::now();
    let (fast, docs, refused, unmapped) = load(rules, true);
    println!(
        "rules: {docs} documents, {} loaded, {refused} refused, {unmapped} unmapped ({:.2}s)",
        fast.len(),
        t.elapsed().as_secs_f64()
    );
    let (events, bad) = match read_events(&args[1]) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot read events: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "events: {} ({bad} unreadable lines), {n} pass(es)",
        events.len()
    );
    let (secs, matches) = run(&fast, &events, n);
    let total = (events.len() * n) as f64;
    println!(
        "prefilter on : {:.3}s, {:.0} events/s, {matches} matches",
        secs,
        total / secs.max(1e-9)
    );
    if std::env::var_os("SIGMA_BENCH_NO_COMPARE").is_some() {
        return;
    }
    let (slow, ..) = load(rules, false);
    let (secs2, matches2) = run(&slow, &events, n);
    println!(
        "prefilter off: {:.3}s, {:.0} events/s, {matches2} matches ({})",
        secs2,
        total / secs2.max(1e-9),
        if matches == matches2 {
            "same"
        } else {
            "DIFFERENT"
        }
    );
}
