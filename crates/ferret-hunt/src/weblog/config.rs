//! The web-log analysis settings: signal weights, thresholds, severity bands,
//! candidate extensions and parameter shapes, read from TOML
//! (`rules/weblog/signals.toml` is the shipped copy) and checked once.

use super::shapes::Shape;
use crate::settings::{self, compile, fraction, range, weight, Band, Problem, Scoring};
use ferret_core::Severity;
use regex::Regex;
use serde::Deserialize;

/// The shipped settings, embedded at build time.
const SHIPPED: &str = include_str!("../../../../rules/weblog/signals.toml");

/// Why web-log settings could not be used.
#[derive(Debug, thiserror::Error)]
pub enum WeblogError {
    /// The text is not TOML of the expected layout.
    #[error("web-log settings: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value is out of range or inconsistent.
    #[error("web-log settings: {field}: {reason}")]
    Invalid {
        /// The setting, as a TOML path.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A regular expression does not compile.
    #[error("web-log settings: {field}: bad regular expression: {source}")]
    Regex {
        /// The setting, as a TOML path.
        field: String,
        /// The compiler's complaint.
        source: Box<regex::Error>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    scoring: RawScoring,
    limits: Limits,
    candidates: RawCandidates,
    signals: RawSignals,
    #[serde(default, rename = "shape")]
    shapes: Vec<super::shapes::RawShape>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    threshold: f64,
    bands: Vec<Band>,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> WeblogError {
    settings::invalid(field, reason).into()
}

impl From<Problem> for WeblogError {
    fn from(p: Problem) -> WeblogError {
        match p {
            Problem::Invalid { field, reason } => WeblogError::Invalid { field, reason },
            Problem::Regex { field, source } => WeblogError::Regex { field, source },
        }
    }
}

/// Memory and work bounds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Limits {
    /// Sites kept per analyzer.
    pub max_sites: usize,
    /// Candidate URIs kept per site.
    pub max_uris_per_site: usize,
    /// Clients kept per URI with their own statistics.
    pub clients_per_uri: usize,
    /// Size of the site's distinct-client sketch.
    pub site_client_sketch: usize,
    /// Longest URI stem kept, in bytes.
    pub max_uri_len: usize,
    /// Longest query examined for shapes, in bytes.
    pub max_query_len: usize,
    /// Earliest evidence lines kept per URI.
    pub evidence_first: usize,
    /// Most telling evidence lines kept per URI.
    pub evidence_telling: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCandidates {
    script_extensions: Vec<String>,
    special_dirs: Vec<SpecialDir>,
}

/// A directory where any URI is a candidate and a successful script is a signal.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SpecialDir {
    /// Path prefix, lowercase, starting and ending with `/`.
    pub prefix: String,
    /// The signal's weight.
    pub weight: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignals {
    new_script: NewScript,
    new_post: NewPost,
    few_clients: FewClients,
    no_referer: NoReferer,
    size_swing: SizeSwing,
    post_heavy: PostHeavy,
    referred: Referred,
    script_name: RawScriptName,
}

/// `new_script`: first success well after the site's log starts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewScript {
    pub weight: f64,
    pub min_delay_secs: u64,
    pub min_span_fraction: f64,
}

/// `new_post`: successful POSTs begin well after the site's log starts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewPost {
    pub weight: f64,
    pub min_delay_secs: u64,
}

/// `few_clients`: a script used by very few clients of a busier site.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FewClients {
    pub weight: f64,
    pub max_clients: u64,
    pub min_site_clients: u64,
    pub min_ratio: f64,
    pub min_requests: u64,
}

/// `no_referer`: the URI's requests lack a Referer the site's usually have.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoReferer {
    pub weight: f64,
    pub min_fraction: f64,
    pub min_site_fraction: f64,
    pub min_requests: u64,
}

/// `size_swing`: one client's response sizes vary wildly.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SizeSwing {
    pub weight: f64,
    pub min_responses: u64,
    pub min_cv: f64,
}

/// `post_heavy`: many successful POSTs from very few clients.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PostHeavy {
    pub weight: f64,
    pub min_posts: u64,
    pub max_clients: u64,
}

/// `referred` (a counter-signal): most successful requests came from links
/// on other pages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Referred {
    /// At most 0.
    pub weight: f64,
    pub min_fraction: f64,
    pub min_requests: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScriptName {
    weight: f64,
    pattern: String,
}

/// `script_name`: a file name web shells commonly use.
#[derive(Debug, Clone)]
pub(crate) struct ScriptName {
    pub weight: f64,
    pub pattern: Regex,
}

/// Checked web-log analysis settings. Build once, share with
/// [`std::sync::Arc`] between worker threads.
#[derive(Debug, Clone)]
pub struct WeblogConfig {
    pub(crate) scoring: Scoring,
    pub(crate) limits: Limits,
    /// Lowercase, without the dot.
    pub(crate) script_extensions: Vec<String>,
    pub(crate) special_dirs: Vec<SpecialDir>,
    pub(crate) new_script: NewScript,
    pub(crate) new_post: NewPost,
    pub(crate) few_clients: FewClients,
    pub(crate) no_referer: NoReferer,
    pub(crate) size_swing: SizeSwing,
    pub(crate) post_heavy: PostHeavy,
    pub(crate) referred: Referred,
    pub(crate) script_name: ScriptName,
    pub(crate) shapes: Vec<Shape>,
}

impl WeblogConfig {
    /// The shipped settings (`rules/weblog/signals.toml`).
    pub fn shipped() -> WeblogConfig {
        match WeblogConfig::from_toml(SHIPPED) {
            Ok(c) => c,
            // The shipped file is checked by this crate's tests; reaching this
            // arm means the binary was built from a broken checkout.
            Err(e) => panic!("shipped rules/weblog/signals.toml is invalid: {e}"),
        }
    }

    /// Reads and checks settings in the layout of `rules/weblog/signals.toml`.
    pub fn from_toml(text: &str) -> Result<WeblogConfig, WeblogError> {
        let raw: RawConfig = toml::from_str(text)?;
        let scoring = Scoring::new(raw.scoring.threshold, raw.scoring.bands)?;

        let l = &raw.limits;
        range("limits.max_sites", l.max_sites as u64, 1, 1_000_000)?;
        range(
            "limits.max_uris_per_site",
            l.max_uris_per_site as u64,
            1,
            10_000_000,
        )?;
        range("limits.clients_per_uri", l.clients_per_uri as u64, 2, 4096)?;
        range(
            "limits.site_client_sketch",
            l.site_client_sketch as u64,
            2,
            65_536,
        )?;
        range("limits.max_uri_len", l.max_uri_len as u64, 16, 65_536)?;
        range("limits.max_query_len", l.max_query_len as u64, 0, 1 << 20)?;
        range("limits.evidence_first", l.evidence_first as u64, 0, 20)?;
        range("limits.evidence_telling", l.evidence_telling as u64, 0, 20)?;
        if l.evidence_first + l.evidence_telling > 20 {
            return Err(invalid(
                "limits",
                "evidence_first + evidence_telling must be <= 20",
            ));
        }

        let mut script_extensions = Vec::new();
        for (i, e) in raw.candidates.script_extensions.iter().enumerate() {
            let e = e.trim().trim_start_matches('.').to_ascii_lowercase();
            if e.is_empty() || e.contains(['/', '.']) {
                return Err(invalid(
                    format!("candidates.script_extensions[{i}]"),
                    "an extension without dots or slashes",
                ));
            }
            script_extensions.push(e);
        }
        let mut special_dirs = Vec::new();
        for (i, d) in raw.candidates.special_dirs.iter().enumerate() {
            let field = format!("candidates.special_dirs[{i}]");
            let prefix = d.prefix.trim().to_ascii_lowercase();
            if !prefix.starts_with('/') || !prefix.ends_with('/') || prefix.len() < 3 {
                return Err(invalid(field, "prefix must start and end with '/'"));
            }
            special_dirs.push(SpecialDir {
                prefix,
                weight: weight(&format!("{field}.weight"), d.weight)?,
            });
        }

        let s = raw.signals;
        weight("signals.new_script.weight", s.new_script.weight)?;
        fraction(
            "signals.new_script.min_span_fraction",
            s.new_script.min_span_fraction,
        )?;
        weight("signals.new_post.weight", s.new_post.weight)?;
        weight("signals.few_clients.weight", s.few_clients.weight)?;
        if !(s.few_clients.min_ratio.is_finite() && s.few_clients.min_ratio >= 1.0) {
            return Err(invalid(
                "signals.few_clients.min_ratio",
                "must be a number >= 1",
            ));
        }
        range(
            "signals.few_clients.max_clients",
            s.few_clients.max_clients,
            1,
            1000,
        )?;
        weight("signals.no_referer.weight", s.no_referer.weight)?;
        fraction("signals.no_referer.min_fraction", s.no_referer.min_fraction)?;
        fraction(
            "signals.no_referer.min_site_fraction",
            s.no_referer.min_site_fraction,
        )?;
        weight("signals.size_swing.weight", s.size_swing.weight)?;
        range(
            "signals.size_swing.min_responses",
            s.size_swing.min_responses,
            2,
            1 << 32,
        )?;
        if !(s.size_swing.min_cv.is_finite() && s.size_swing.min_cv > 0.0) {
            return Err(invalid(
                "signals.size_swing.min_cv",
                "must be a number above 0",
            ));
        }
        weight("signals.post_heavy.weight", s.post_heavy.weight)?;
        range(
            "signals.post_heavy.max_clients",
            s.post_heavy.max_clients,
            1,
            1000,
        )?;
        if s.few_clients.max_clients as usize >= l.clients_per_uri
            || s.post_heavy.max_clients as usize >= l.clients_per_uri
        {
            return Err(invalid(
                "signals",
                "few_clients.max_clients and post_heavy.max_clients must be below limits.clients_per_uri",
            ));
        }
        let r = &s.referred;
        if !(r.weight.is_finite() && (-1000.0..=0.0).contains(&r.weight)) {
            return Err(invalid(
                "signals.referred.weight",
                "must be a number in -1000..=0",
            ));
        }
        fraction("signals.referred.min_fraction", r.min_fraction)?;
        let script_name = ScriptName {
            weight: weight("signals.script_name.weight", s.script_name.weight)?,
            pattern: compile("signals.script_name.pattern", &s.script_name.pattern)?,
        };

        let mut shapes = Vec::with_capacity(raw.shapes.len());
        for (i, raw_shape) in raw.shapes.into_iter().enumerate() {
            let shape = Shape::compile(i, raw_shape)?;
            if shapes.iter().any(|s: &Shape| s.name == shape.name) {
                return Err(invalid(format!("shape[{i}].name"), "duplicate shape name"));
            }
            shapes.push(shape);
        }
        if shapes.len() > 256 {
            return Err(invalid("shape", "at most 256 shapes"));
        }

        Ok(WeblogConfig {
            scoring,
            limits: raw.limits,
            script_extensions,
            special_dirs,
            new_script: s.new_script,
            new_post: s.new_post,
            few_clients: s.few_clients,
            no_referer: s.no_referer,
            size_swing: s.size_swing,
            post_heavy: s.post_heavy,
            referred: s.referred,
            script_name,
            shapes,
        })
    }

    /// The score at and above which a URI is reported.
    pub fn threshold(&self) -> f64 {
        self.scoring.threshold()
    }

    /// The severity of a score: the highest band it reaches (`Info` below all).
    pub fn severity_of(&self, score: f64) -> Severity {
        self.scoring.severity_of(score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_settings_load() {
        let c = WeblogConfig::shipped();
        assert!(c.threshold() > 0.0);
        assert!(c.script_extensions.iter().any(|e| e == "aspx"));
        assert!(c.shapes.len() >= 5);
        assert_eq!(c.severity_of(0.0), Severity::Info);
        assert_eq!(c.severity_of(1000.0), Severity::Critical);
        // Every weak signal stays below the threshold on its own.
        for w in [
            c.new_script.weight,
            c.new_post.weight,
            c.few_clients.weight,
            c.no_referer.weight,
            c.size_swing.weight,
            c.post_heavy.weight,
            c.script_name.weight,
        ] {
            assert!(
                w < c.threshold(),
                "weak signal weight {w} reaches the threshold"
            );
        }
    }

    #[test]
    fn bad_settings_are_rejected_with_context() {
        let bad_weight = SHIPPED.replacen("weight = 15.0", "weight = -1.0", 1);
        let e = WeblogConfig::from_toml(&bad_weight)
            .unwrap_err()
            .to_string();
        assert!(e.contains("weight"), "{e}");
        let bad_regex = SHIPPED.replacen("param = '^z0$'", "param = '(('", 1);
        let e = WeblogConfig::from_toml(&bad_regex).unwrap_err().to_string();
        assert!(
            e.contains("shape[") && e.contains("regular expression"),
            "{e}"
        );
        let unknown = format!("{SHIPPED}\n[extra]\nx = 1\n");
        assert!(WeblogConfig::from_toml(&unknown).is_err());
        let bands = SHIPPED.replacen("severity = \"medium\"", "severity = \"low\"", 1);
        assert!(WeblogConfig::from_toml(&bands).is_err());
        assert!(WeblogConfig::from_toml("not toml [").is_err());
        let ext = SHIPPED.replacen("\"php\",", "\"a/b\",", 1);
        assert!(WeblogConfig::from_toml(&ext).is_err());
    }
}
