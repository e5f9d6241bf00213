//! The Sigma engine against the real SigmaHQ rule tree
//! (`/work/shared/datasets/sigma`): compile ratio, refusal reasons, and
//! prefilter exactness over events synthesized from the rules' own values.
//!
//! The event synthesizer is also used by `examples/sigma_bench.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ferret_core::{Event, EventSource, Fields, LogFormat, Value};
use ferret_hunt::sigma::{LoadStatus, Origin, RuleReport, RuleSetBuilder};
use yaml_rust2::{Yaml, YamlLoader};

/// The SigmaHQ checkout, relative to this crate.
pub const SIGMA_ROOT: &str = "../../../shared/datasets/sigma";

const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";

fn sigma_root() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(SIGMA_ROOT);
    p.is_dir().then_some(p)
}

fn yml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yml_files(&p, out);
        } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yml" | "yaml")) {
            out.push(p);
        }
    }
}

/// Where a synthesized event for a logsource goes: format and fixed fields.
fn base_for(logsource: &Yaml, variant: usize) -> Option<(LogFormat, Vec<(String, Value)>)> {
    let get = |k: &str| logsource[k].as_str().map(str::to_ascii_lowercase);
    let (product, category, service) = (get("product"), get("category"), get("service"));
    let win = |ch: &str, id: Option<i64>| {
        let mut f = vec![("Channel".to_owned(), Value::from(ch))];
        if let Some(id) = id {
            f.push(("EventID".to_owned(), Value::Int(id)));
        }
        Some((LogFormat::Evtx, f))
    };
    match (product.as_deref(), category.as_deref(), service.as_deref()) {
        (Some("windows"), Some(c), _) => match c {
            "process_creation" if variant % 2 == 1 => win("Security", Some(4688)),
            "process_creation" => win(SYSMON, Some(1)),
            "network_connection" => win(SYSMON, Some(3)),
            "driver_load" => win(SYSMON, Some(6)),
            "image_load" => win(SYSMON, Some(7)),
            "create_remote_thread" => win(SYSMON, Some(8)),
            "process_access" => win(SYSMON, Some(10)),
            "file_event" => win(SYSMON, Some(11)),
            "registry_add" | "registry_delete" => win(SYSMON, Some(12)),
            "registry_set" => win(SYSMON, Some(13)),
            "registry_event" => win(SYSMON, Some(12 + (variant as i64 % 3))),
            "create_stream_hash" => win(SYSMON, Some(15)),
            "pipe_created" => win(SYSMON, Some(17)),
            "wmi_event" => win(SYSMON, Some(20)),
            "dns_query" => win(SYSMON, Some(22)),
            "file_delete" => win(SYSMON, Some(23)),
            "ps_script" => win("Microsoft-Windows-PowerShell/Operational", Some(4104)),
            "ps_module" => win("Microsoft-Windows-PowerShell/Operational", Some(4103)),
            "ps_classic_start" => win("Windows PowerShell", Some(400)),
            _ => None,
        },
        (Some("windows"), None, Some(s)) => match s {
            "security" => win("Security", None),
            "system" => win("System", None),
            "application" => win("Application", None),
            "windefend" => win("Microsoft-Windows-Windows Defender/Operational", None),
            "msexchange-management" => win("MSExchange Management", None),
            "codeintegrity-operational" => win("Microsoft-Windows-CodeIntegrity/Operational", None),
            "taskscheduler" => win("Microsoft-Windows-TaskScheduler/Operational", None),
            "bits-client" => win("Microsoft-Windows-Bits-Client/Operational", None),
            _ => None,
        },
        (_, Some("webserver" | "proxy"), _) => Some((LogFormat::W3c, Vec::new())),
        _ => None,
    }
}

/// A concrete value a Sigma value (with wildcards) would match, roughly.
fn concrete(v: &Yaml) -> Option<Value> {
    match v {
        Yaml::String(s) => Some(Value::Str(
            s.replace("\\*", "\u{1}")
                .replace('*', "")
                .replace('?', "x")
                .replace('\u{1}', "*"),
        )),
        Yaml::Integer(i) => Some(Value::Int(*i)),
        Yaml::Boolean(b) => Some(Value::Str(b.to_string())),
        Yaml::Array(items) => items.iter().find_map(concrete),
        _ => None,
    }
}

fn add_selection(fields: &mut Vec<(String, Value)>, sel: &Yaml, variant: usize) {
    match sel {
        Yaml::Hash(h) => {
            for (k, v) in h {
                let Some(key) = k.as_str() else { continue };
                let name = key.split('|').next().unwrap_or("");
                if name.is_empty() {
                    continue;
                }
                let v = match v {
                    Yaml::Array(items) if !items.is_empty() => &items[variant % items.len()],
                    other => other,
                };
                if let Some(val) = concrete(v) {
                    let name = match (variant % 2, name) {
                        (1, "Image") => "NewProcessName",
                        (1, "ParentImage") => "ParentProcessName",
                        (_, n) => n,
                    };
                    fields.retain(|(n, _)| n != name);
                    fields.push((name.to_owned(), val));
                }
            }
        }
        Yaml::Array(items) if !items.is_empty() => {
            add_selection(fields, &items[variant % items.len()], variant)
        }
        _ => {}
    }
}

/// Events built from the rules under `dir`: for each rule, one event per
/// selection and one with every selection's fields (filters included, so
/// mostly non-matching), up to `limit` events.
pub fn synth_events(dir: &Path, limit: usize) -> Vec<Event> {
    let mut files = Vec::new();
    yml_files(dir, &mut files);
    let mut out = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let Ok(docs) = YamlLoader::load_from_str(&text) else {
            continue;
        };
        for doc in docs {
            let Yaml::Hash(det) = &doc["detection"] else {
                continue;
            };
            let Some((format, base)) = base_for(&doc["logsource"], fi) else {
                continue;
            };
            let mut all = base.clone();
            for (k, sel) in det {
                if k.as_str() == Some("condition") || k.as_str() == Some("timeframe") {
                    continue;
                }
                let mut fields = base.clone();
                add_selection(&mut fields, sel, fi);
                add_selection(&mut all, sel, fi + 1);
                out.push(make(format, fields, &f.to_string_lossy()));
            }
            out.push(make(format, all, &f.to_string_lossy()));
            if out.len() >= limit {
                out.truncate(limit);
                return out;
            }
        }
    }
    out
}

fn make(format: LogFormat, fields: Vec<(String, Value)>, path: &str) -> Event {
    let mut f = Fields::with_capacity(fields.len() + 2);
    f.push("Computer", "host1.example.invalid");
    for (k, v) in fields {
        f.insert(k, v);
    }
    Event {
        source: EventSource {
            path: path.to_owned(),
            record_id: None,
            line: None,
        },
        format,
        time: None,
        fields: f,
    }
}

fn refusal_groups(reports: &[RuleReport]) -> BTreeMap<String, usize> {
    let mut g = BTreeMap::new();
    for r in reports {
        if let LoadStatus::Refused(reason) = &r.status {
            *g.entry(reason.clone()).or_insert(0) += 1;
        }
    }
    g
}

fn load(dirs: &[PathBuf]) -> (ferret_hunt::sigma::RuleSet, Vec<RuleReport>) {
    let mut b = RuleSetBuilder::new();
    for d in dirs {
        b.add_dir(d, Origin::User);
    }
    b.build()
}

#[test]
fn windows_and_web_rules_compile() {
    let Some(root) = sigma_root() else {
        println!("skipped: {SIGMA_ROOT} not found");
        return;
    };
    let dirs = [root.join("rules/windows"), root.join("rules/web")];
    let (set, reports) = load(&dirs);
    let mut files: BTreeMap<&str, bool> = BTreeMap::new();
    for r in &reports {
        let ok = r.status == LoadStatus::Loaded;
        let e = files.entry(r.path.as_str()).or_insert(true);
        *e &= ok;
    }
    let good = files.values().filter(|ok| **ok).count();
    let unmapped = reports.iter().filter(|r| r.unmapped.is_some()).count();
    println!(
        "rules/windows + rules/web: {} files, {good} compile ({:.2}%), {} rules, {unmapped} unmapped",
        files.len(),
        100.0 * good as f64 / files.len().max(1) as f64,
        set.len()
    );
    for (reason, n) in refusal_groups(&reports) {
        println!("  refused x{n}: {reason}");
    }
    let mut um: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &reports {
        if let Some(u) = &r.unmapped {
            *um.entry(u.as_str()).or_insert(0) += 1;
        }
    }
    for (u, n) in um {
        println!("  unmapped x{n}: {u}");
    }
    assert!(files.len() > 2000, "expected the SigmaHQ tree");
    assert!(good * 100 >= files.len() * 99, "{good} of {}", files.len());
}

#[test]
fn whole_trees_load_without_panicking() {
    let Some(root) = sigma_root() else {
        println!("skipped: {SIGMA_ROOT} not found");
        return;
    };
    for sub in ["rules", "rules-emerging-threats", "rules-threat-hunting"] {
        let (set, reports) = load(&[root.join(sub)]);
        let refused = reports
            .iter()
            .filter(|r| r.status != LoadStatus::Loaded)
            .count();
        let unmapped = reports.iter().filter(|r| r.unmapped.is_some()).count();
        println!(
            "{sub}: {} documents, {} rules, {refused} refused, {unmapped} unmapped, {} correlations",
            reports.len(),
            set.len(),
            set.correlations().len()
        );
        for (reason, n) in refusal_groups(&reports) {
            println!("  refused x{n}: {reason}");
        }
        assert!(set.len() > 10);
    }
}

#[test]
fn prefilter_is_exact_on_sigmahq() {
    let Some(root) = sigma_root() else {
        println!("skipped: {SIGMA_ROOT} not found");
        return;
    };
    let dirs = [root.join("rules/windows"), root.join("rules/web")];
    let mut events = synth_events(&dirs[0], 2500);
    events.extend(synth_events(&dirs[1], 200));
    let (fast, _) = load(&dirs);
    let mut b = RuleSetBuilder::new();
    b.prefilter(false);
    for d in &dirs {
        b.add_dir(d, Origin::User);
    }
    let (slow, _) = b.build();
    let (mut mf, mut ms) = (fast.matcher(), slow.matcher());
    let (mut a, mut c) = (Vec::new(), Vec::new());
    let mut total = 0;
    for e in &events {
        a.clear();
        c.clear();
        mf.scan(e, &mut a);
        ms.scan(e, &mut c);
        assert_eq!(a, c, "prefilter changed the result for {:?}", e.fields);
        total += a.len();
    }
    println!(
        "{} events, {total} matches, identical with and without prefilter",
        events.len()
    );
    // The synthesized events come from the rules' own values: many must match.
    assert!(total > events.len() / 4, "only {total} matches");
}
