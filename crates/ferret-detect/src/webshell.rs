//! The web-shell analyzer (T1505.003): `WebshellConfig` → `build()` →
//! `WebshellRules` (immutable, shared) → one `WebshellScanner` per thread.
//!
//! For each file: identify the language; run our YARA rules and heuristics on
//! the bytes and on every de-obfuscated view of them; run the user's rules
//! (`--yara`) on every file, script or not; drop what the allowlist silences;
//! sum the weights of the distinct signals into one score; make a finding
//! when the score earns a severity. Every signal is kept as evidence.

use crate::allowlist::{Allowed, Allowlist};
use crate::deobfuscate::{self, Layer};
use crate::heuristics::{self, Signal};
use crate::language::{self, IdentifiedBy};
use crate::score::{confidence, severity_for_score, Thresholds};
use crate::yara::{
    compile_family, compile_user, rule_family, CompiledYara, RuleMeta, EXTERNALS, FAMILIES,
};
use crate::RuleError;
use ferret_core::{
    stable_id, Escaped, Evidence, EvidenceSource, FileSubject, Finding, Language, Mitigation,
    Subject, Technique,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// What the user chose (the serde-able half).
#[derive(Debug, Clone, Default)]
pub struct WebshellConfig {
    /// Extra YARA trees, loaded unchanged.
    pub user_yara: Vec<PathBuf>,
    /// Allowlist files.
    pub allowlists: Vec<PathBuf>,
    /// Leave out the shipped rules (to run only the user's).
    pub no_shipped_rules: bool,
    /// Per-file YARA timeout; zero means 10 s.
    pub timeout: Duration,
    /// Shipped rules precompiled by `ferret rules compile` (skips compiling
    /// at start, as `yr scan -C` does).
    pub compiled_rules: Option<PathBuf>,
}

/// First bytes of a compiled rules file.
const COMPILED_MAGIC: &[u8] = b"FERRET-RULES-1\n";

/// Compiled, immutable, `Send + Sync`: build once, share with every thread.
pub struct WebshellRules {
    /// One rule set per language family, compiled on first need (by
    /// whichever worker meets such a file first); `None` with `no_shipped_rules`.
    shipped: Option<[OnceLock<Result<CompiledYara, String>>; FAMILIES]>,
    user: Option<CompiledYara>,
    allowlist: Allowlist,
    thresholds: Thresholds,
    timeout: Duration,
}

impl WebshellConfig {
    /// Compiles everything. Shipped rules must compile; user rule files that do
    /// not are returned beside the rules (the scan goes on without them).
    pub fn build(&self) -> Result<(WebshellRules, Vec<RuleError>), RuleError> {
        let shipped = (!self.no_shipped_rules).then(|| std::array::from_fn(|_| OnceLock::new()));
        if let (Some(path), Some(cells)) = (&self.compiled_rules, &shipped) {
            load_compiled(path, cells)?;
        }
        let mut warnings = Vec::new();
        let user = if self.user_yara.is_empty() {
            None
        } else {
            let (c, errs) = compile_user(&self.user_yara)?;
            warnings.extend(errs);
            Some(c)
        };
        let mut allowlist = Allowlist::default();
        for (name, text) in crate::embedded::KNOWN_GOOD
            .iter()
            .filter(|(n, _)| n.starts_with("webshell"))
        {
            allowlist.add_toml(&format!("rules/known-good/{name}"), text)?;
        }
        for p in &self.allowlists {
            let text = std::fs::read_to_string(p).map_err(|e| RuleError::Io {
                path: p.clone(),
                source: e,
            })?;
            allowlist.add_toml(&p.display().to_string(), &text)?;
        }
        let timeout = if self.timeout.is_zero() {
            Duration::from_secs(10)
        } else {
            self.timeout
        };
        Ok((
            WebshellRules {
                shipped,
                user,
                allowlist,
                thresholds: Thresholds::default(),
                timeout,
            },
            warnings,
        ))
    }
}

/// Fills the family cells from a file written by `serialize_shipped`.
fn load_compiled(
    path: &Path,
    cells: &[OnceLock<Result<CompiledYara, String>>; FAMILIES],
) -> Result<(), RuleError> {
    let bad = |m: String| RuleError::Data {
        origin: path.display().to_string(),
        message: m,
    };
    let data = std::fs::read(path).map_err(|e| RuleError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let rest = data.strip_prefix(COMPILED_MAGIC).ok_or_else(|| {
        bad("not a ferret compiled rules file (ferret rules compile makes one)".into())
    })?;
    let fp = crate::yara::shipped_fingerprint();
    let (file_fp, mut rest) = rest.split_at(rest.len().min(fp.len() + 1));
    if file_fp != format!("{fp}\n").as_bytes() {
        return Err(bad(
            "compiled by a ferret build with other rules; run `ferret rules compile` again".into(),
        ));
    }
    for cell in cells {
        if rest.len() < 8 {
            return Err(bad("truncated".into()));
        }
        let (len, tail) = rest.split_at(8);
        let len = u64::from_le_bytes(len.try_into().expect("8 bytes")) as usize;
        if tail.len() < len {
            return Err(bad("truncated".into()));
        }
        let rules =
            yara_x::Rules::deserialize(&tail[..len]).map_err(|e| bad(format!("corrupt: {e}")))?;
        let (compiled, errors) = CompiledYara::from_rules(rules, crate::RuleOrigin::Shipped);
        if let Some(e) = errors.into_iter().next() {
            return Err(e);
        }
        let _ = cell.set(Ok(compiled));
        rest = &tail[len..];
    }
    Ok(())
}

impl WebshellRules {
    /// A scanner for one thread.
    pub fn scanner(&self) -> WebshellScanner<'_> {
        WebshellScanner {
            rules: self,
            shipped: std::array::from_fn(|_| None),
            user: self.user.as_ref().map(|c| self.yara_scanner(c)),
        }
    }

    fn yara_scanner<'a>(&self, c: &'a CompiledYara) -> yara_x::Scanner<'a> {
        let mut s = yara_x::Scanner::new(&c.rules);
        s.set_timeout(self.timeout);
        s.max_matches_per_pattern(16);
        // Evidence needs each pattern's first match only: patterns used as
        // plain booleans stop at their first hit (counted ones are unaffected).
        s.fast_scan(true);
        s
    }

    /// The shipped rule set of a family, compiled on first call.
    fn family(&self, family: usize) -> Option<Result<&CompiledYara, String>> {
        let cell = &self.shipped.as_ref()?[family];
        Some(
            cell.get_or_init(|| compile_family(family).map_err(|e| e.to_string()))
                .as_ref()
                .map_err(Clone::clone),
        )
    }

    /// The shipped rules of every family, compiled and serialized for
    /// `WebshellConfig::compiled_rules`. Tied to this build's rules.
    pub fn serialize_shipped(&self) -> Result<Vec<u8>, RuleError> {
        self.compile_all()?;
        let mut out = COMPILED_MAGIC.to_vec();
        out.extend_from_slice(crate::yara::shipped_fingerprint().as_bytes());
        out.push(b'\n');
        for f in 0..FAMILIES {
            let Some(Ok(c)) = self.family(f) else {
                return Err(RuleError::Data {
                    origin: "rules".into(),
                    message: "shipped rules are off".into(),
                });
            };
            let bytes = c.rules.serialize().map_err(|e| RuleError::Data {
                origin: "rules/yara".into(),
                message: format!("serializing compiled rules: {e}"),
            })?;
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
        Ok(out)
    }

    /// Compiles every shipped family now; the first failure is returned.
    pub fn compile_all(&self) -> Result<(), RuleError> {
        for f in 0..FAMILIES {
            if let Some(Err(e)) = self.family(f) {
                return Err(RuleError::Yara {
                    origin: "rules/yara".into(),
                    message: e,
                });
            }
        }
        Ok(())
    }

    /// Metadata of every loaded YARA rule, shipped first, sorted by id.
    /// Compiles every shipped family that is not compiled yet.
    pub fn rule_metas(&self) -> Vec<&RuleMeta> {
        let mut v: Vec<&RuleMeta> = (0..FAMILIES)
            .filter_map(|f| self.family(f).and_then(Result::ok))
            .chain(self.user.iter())
            .flat_map(|c| c.meta.values())
            .collect();
        v.sort_by(|a, b| (a.origin as u8, &a.id).cmp(&(b.origin as u8, &b.id)));
        // Shared rule files sit in every language's set: list each once.
        v.dedup_by(|a, b| a.id == b.id && a.origin == b.origin);
        v
    }

    /// Number of allowlist entries loaded.
    pub fn allowlist_len(&self) -> usize {
        self.allowlist.len()
    }
}

/// Every heuristic: (id, weight, description).
pub fn heuristics() -> &'static [(&'static str, u32, &'static str)] {
    crate::heuristics::HEURISTICS
}

/// Where and when a scan runs (put on every finding).
#[derive(Debug, Clone)]
pub struct ScanContext {
    /// Host name.
    pub host: String,
    /// RFC 3339 time of the scan.
    pub time: String,
}

/// One file to judge.
#[derive(Debug, Clone, Copy)]
pub struct FileInput<'a> {
    /// The path as walked.
    pub path: &'a Path,
    /// With `--root`: the path on the source system.
    pub original_path: Option<&'a str>,
    /// The whole content.
    pub data: &'a [u8],
    /// Modification time (RFC 3339), if known.
    pub mtime: Option<&'a str>,
}

/// What judging a file gave.
#[derive(Debug)]
pub struct FileVerdict {
    /// The language identified, if any (None: not a server-side script).
    pub language: Option<Language>,
    /// The finding, when the signals earned one.
    pub finding: Option<Finding>,
    /// When the allowlist silenced the file: its reason.
    pub allowlisted: Option<String>,
}

/// A scan of one file that failed.
#[derive(Debug, thiserror::Error)]
pub enum ScanFileError {
    /// YARA gave up (timeout, ...).
    #[error("YARA scan failed: {0}")]
    Yara(String),
}

/// Per-thread scanner. Cheap to make; reuse it for many files.
pub struct WebshellScanner<'r> {
    rules: &'r WebshellRules,
    /// Per-family scanners, made on first use.
    shipped: [Option<yara_x::Scanner<'r>>; FAMILIES],
    user: Option<yara_x::Scanner<'r>>,
}

/// A signal before it becomes evidence: where its bytes are.
struct Hit {
    source: EvidenceSource,
    id: String,
    detail: String,
    score: u32,
    technique: Technique,
    /// Offset in the original file.
    offset: Option<usize>,
    /// Excerpt bytes.
    excerpt: Option<Vec<u8>>,
}

impl<'r> WebshellScanner<'r> {
    /// Judges one file.
    pub fn scan(
        &mut self,
        input: &FileInput<'_>,
        ctx: &ScanContext,
    ) -> Result<FileVerdict, ScanFileError> {
        let ident = language::identify(input.path, input.data);
        let mut hits: Vec<Hit> = Vec::new();
        if let Some((lang, by)) = ident {
            self.scan_script(input, lang, by, &mut hits)?;
        }
        if self.user.is_some() {
            self.scan_user(input, ident.map(|i| i.0), &mut hits)?;
        }
        let language = ident.map(|i| i.0);
        if hits.is_empty() {
            return Ok(FileVerdict {
                language,
                finding: None,
                allowlisted: None,
            });
        }
        // Allowlist.
        let sha = sha256(input.data);
        let display = Escaped::from_path(input.path);
        let mut paths = vec![display.as_str()];
        if let Some(o) = input.original_path {
            paths.push(o);
        }
        match self.rules.allowlist.check(&paths, Some(&sha)) {
            Allowed::File(reason) => {
                return Ok(FileVerdict {
                    language,
                    finding: None,
                    allowlisted: Some(reason.to_string()),
                })
            }
            Allowed::Rules(rules) => hits.retain(|h| !rules.iter().any(|(r, _)| *r == h.id)),
            Allowed::No => {}
        }
        let score: u32 = hits.iter().map(|h| h.score).sum();
        let Some(severity) = severity_for_score(score, &self.rules.thresholds) else {
            return Ok(FileVerdict {
                language,
                finding: None,
                allowlisted: None,
            });
        };
        hits.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then(a.offset.cmp(&b.offset))
                .then(a.id.cmp(&b.id))
        });
        let technique = hits[0].technique;
        let lang_label = language
            .map(|l| format!("{} ", lang_title(l)))
            .unwrap_or_default();
        let title = format!("{lang_label}web shell: {}", hits[0].detail);
        let evidence: Vec<Evidence> = hits
            .iter()
            .map(|h| Evidence {
                source: h.source,
                rule: h.id.clone(),
                detail: h.detail.clone(),
                score: h.score,
                offset: h.offset.map(|o| o as u64),
                line: h.offset.map(|o| line_of(input.data, o)),
                excerpt: h.excerpt.as_deref().map(Escaped::from_bytes),
            })
            .collect();
        let path_key = display.as_str().to_string();
        let finding = Finding {
            id: stable_id(&["ferret.webshell", &path_key]),
            time: ctx.time.clone(),
            host: ctx.host.clone(),
            technique,
            technique_name: technique.name().to_string(),
            title,
            severity,
            confidence: confidence(score, hits.len()),
            score,
            rule: "ferret.webshell".into(),
            subject: Subject::File(FileSubject {
                path: display,
                original_path: input.original_path.map(Escaped::from_text),
                sha256: sha,
                size: input.data.len() as u64,
                language: language.map(|l| l.as_str().to_string()),
                identified_by: ident.map(|i| i.1.as_str().to_string()),
                mtime: input.mtime.map(str::to_string),
            }),
            evidence,
            mitigations: vec![
                Mitigation::M1047,
                Mitigation::M1042,
                Mitigation::M1026,
                Mitigation::M1018,
            ],
            incident: stable_id(&["file", &path_key]),
        };
        Ok(FileVerdict {
            language,
            finding: Some(finding),
            allowlisted: None,
        })
    }

    /// The ids of every signal the file raises, whatever its score (for rule tests).
    pub fn signal_ids(&mut self, input: &FileInput<'_>) -> Result<Vec<String>, ScanFileError> {
        let mut hits = Vec::new();
        if let Some((lang, by)) = language::identify(input.path, input.data) {
            self.scan_script(input, lang, by, &mut hits)?;
        }
        if self.user.is_some() {
            let lang = language::identify(input.path, input.data).map(|i| i.0);
            self.scan_user(input, lang, &mut hits)?;
        }
        Ok(hits.into_iter().map(|h| h.id).collect())
    }

    fn scan_script(
        &mut self,
        input: &FileInput<'_>,
        lang: Language,
        by: IdentifiedBy,
        hits: &mut Vec<Hit>,
    ) -> Result<(), ScanFileError> {
        if let Some((scanner, compiled)) = self.shipped_for(lang)? {
            yara_hits(scanner, compiled, input.data, None, hits)?;
        }
        let ext = input
            .path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        for s in heuristics::run(lang, input.data, &ext, by == IdentifiedBy::Content) {
            push_signal(hits, &s, input.data, None);
        }
        let layers = deobfuscate::layers(lang, input.data);
        for s in heuristics::from_layers(&layers) {
            push_signal(hits, &s, input.data, None);
        }
        for layer in &layers {
            if let Some((scanner, compiled)) = self.shipped_for(lang)? {
                yara_hits(scanner, compiled, &layer.bytes, Some(layer), hits)?;
            }
            for s in heuristics::run(lang, &layer.bytes, "", false) {
                push_signal(hits, &s, &layer.bytes, Some(layer));
            }
        }
        Ok(())
    }

    /// The shipped rules for `lang` and this thread's scanner for them.
    fn shipped_for(
        &mut self,
        lang: Language,
    ) -> Result<Option<(&mut yara_x::Scanner<'r>, &'r CompiledYara)>, ScanFileError> {
        let rules: &'r WebshellRules = self.rules;
        let f = rule_family(lang);
        let compiled = match rules.family(f) {
            None => return Ok(None),
            Some(c) => c.map_err(ScanFileError::Yara)?,
        };
        let scanner = self.shipped[f].get_or_insert_with(|| rules.yara_scanner(compiled));
        Ok(Some((scanner, compiled)))
    }

    fn scan_user(
        &mut self,
        input: &FileInput<'_>,
        lang: Option<Language>,
        hits: &mut Vec<Hit>,
    ) -> Result<(), ScanFileError> {
        let (Some(scanner), Some(compiled)) = (self.user.as_mut(), self.rules.user.as_ref()) else {
            return Ok(());
        };
        let name = input
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ext = input
            .path
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy().to_ascii_lowercase()))
            .unwrap_or_default();
        let values = [
            name,
            input.path.to_string_lossy().into_owned(),
            ext,
            filetype(lang, input.data).to_string(),
        ];
        for (k, v) in EXTERNALS.iter().zip(values) {
            scanner
                .set_global(k, v.as_str())
                .map_err(|e| ScanFileError::Yara(e.to_string()))?;
        }
        yara_hits(scanner, compiled, input.data, None, hits)
    }
}

fn yara_hits(
    scanner: &mut yara_x::Scanner<'_>,
    compiled: &CompiledYara,
    data: &[u8],
    layer: Option<&Layer>,
    hits: &mut Vec<Hit>,
) -> Result<(), ScanFileError> {
    let results = scanner
        .scan(data)
        .map_err(|e| ScanFileError::Yara(e.to_string()))?;
    for rule in results.matching_rules() {
        let key = (rule.namespace().to_string(), rule.identifier().to_string());
        let Some(meta) = compiled.meta.get(&key) else {
            continue;
        };
        if hits.iter().any(|h| h.id == meta.id) {
            continue;
        }
        let first = rule
            .patterns()
            .flat_map(|p| p.matches().map(|m| m.range()).collect::<Vec<_>>())
            .min_by_key(|r| r.start);
        let (offset, excerpt) = match (&first, layer) {
            (Some(r), None) => (Some(r.start), Some(excerpt(data, r.start, r.end))),
            (Some(r), Some(l)) => (Some(l.offset), Some(excerpt(data, r.start, r.end))),
            (None, Some(l)) => (Some(l.offset), None),
            (None, None) => (None, None),
        };
        let mut detail = meta.description.clone();
        if let Some(f) = &meta.family {
            detail = format!("{detail} [{f}]");
        }
        if let Some(l) = layer {
            detail = format!("{detail} (in content decoded: {})", l.how);
        }
        hits.push(Hit {
            source: EvidenceSource::Yara,
            id: meta.id.clone(),
            detail,
            score: meta.score,
            technique: meta.technique,
            offset,
            excerpt,
        });
    }
    Ok(())
}

fn push_signal(hits: &mut Vec<Hit>, s: &Signal, bytes: &[u8], layer: Option<&Layer>) {
    if hits.iter().any(|h| h.id == s.id) {
        return;
    }
    let (offset, detail) = match layer {
        None => (s.offset, s.detail.clone()),
        Some(l) => (
            l.offset,
            format!("{} (in content decoded: {})", s.detail, l.how),
        ),
    };
    let excerpt =
        (s.len > 0 || layer.is_none()).then(|| excerpt(bytes, s.offset, s.offset + s.len.max(1)));
    hits.push(Hit {
        source: EvidenceSource::Heuristic,
        id: s.id.to_string(),
        detail,
        score: s.score,
        technique: Technique::WebShell,
        offset: Some(offset),
        excerpt,
    });
}

/// The matched bytes with up to 24 bytes of context each side, at most 200
/// bytes in all, never crossing into neighbouring lines' far ends.
fn excerpt(data: &[u8], start: usize, end: usize) -> Vec<u8> {
    let start = start.min(data.len());
    let end = end.clamp(start, data.len()).min(start + 152);
    let from = data[..start]
        .iter()
        .rev()
        .take(24)
        .take_while(|b| **b != b'\n')
        .count();
    let to = data[end..]
        .iter()
        .take(24)
        .take_while(|b| **b != b'\n')
        .count();
    data[start - from..end + to].to_vec()
}

fn line_of(data: &[u8], offset: usize) -> u64 {
    memchr::memchr_iter(b'\n', &data[..offset.min(data.len())]).count() as u64 + 1
}

fn sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn lang_title(l: Language) -> &'static str {
    match l {
        Language::Php => "PHP",
        Language::Asp => "ASP",
        Language::Aspx => "ASP.NET",
        Language::Jsp => "JSP",
        Language::Cfm => "ColdFusion",
        Language::Perl => "Perl",
        Language::Python => "Python",
        Language::Shell => "Shell",
    }
}

/// LOKI-style `filetype` external: the script language, or a magic-number type.
fn filetype(lang: Option<Language>, data: &[u8]) -> &'static str {
    if let Some(l) = lang {
        return match l {
            Language::Php => "PHP",
            Language::Asp => "ASP",
            Language::Aspx => "ASPX",
            Language::Jsp => "JSP",
            Language::Cfm => "CFM",
            Language::Perl => "PERL",
            Language::Python => "PYTHON",
            Language::Shell => "SHELL",
        };
    }
    match data {
        [b'M', b'Z', ..] => "EXE",
        [0x7f, b'E', b'L', b'F', ..] => "ELF",
        [b'P', b'K', 3, 4, ..] => "ZIP",
        [0xff, 0xd8, 0xff, ..] => "JPEG",
        [b'G', b'I', b'F', b'8', ..] => "GIF",
        [0x89, b'P', b'N', b'G', ..] => "PNG",
        _ => "",
    }
}
