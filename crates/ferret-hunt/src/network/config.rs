//! The network analysis settings: signal weights, thresholds, patterns,
//! severity bands and memory bounds, read from TOML
//! (`rules/network/signals.toml` is the shipped copy) and checked once.

use crate::settings::{self, compile, number, range, weight, Band, Problem, Scoring};
use ferret_core::Severity;
use regex::Regex;
use serde::Deserialize;

/// The shipped settings, embedded at build time.
const SHIPPED: &str = include_str!("../../../../rules/network/signals.toml");

/// Why network settings could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// The text is not TOML of the expected layout.
    #[error("network settings: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value is out of range or inconsistent.
    #[error("network settings: {field}: {reason}")]
    Invalid {
        /// The setting, as a TOML path.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A regular expression does not compile.
    #[error("network settings: {field}: bad regular expression: {source}")]
    Regex {
        /// The setting, as a TOML path.
        field: String,
        /// The compiler's complaint.
        source: Box<regex::Error>,
    },
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> NetworkError {
    settings::invalid(field, reason).into()
}

impl From<Problem> for NetworkError {
    fn from(p: Problem) -> NetworkError {
        match p {
            Problem::Invalid { field, reason } => NetworkError::Invalid { field, reason },
            Problem::Regex { field, source } => NetworkError::Regex { field, source },
        }
    }
}

/// Memory and work bounds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Limits {
    pub max_servers: usize,
    pub max_uris_per_server: usize,
    pub clients_per_uri: usize,
    pub server_sketch: usize,
    pub max_uri_len: usize,
    pub max_scan_len: usize,
    pub max_hosts: usize,
    pub max_flows: usize,
    pub starts_per_flow: usize,
    pub evidence_first: usize,
    pub evidence_telling: usize,
}

/// A signal that is a weight and nothing else.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Plain {
    pub weight: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPattern {
    weight: f64,
    pattern: String,
}

/// A signal whose evidence is a match of `pattern`.
#[derive(Debug, Clone)]
pub(crate) struct PatternSignal {
    pub weight: f64,
    pub pattern: Regex,
}

impl PatternSignal {
    fn of(field: &str, raw: RawPattern) -> Result<PatternSignal, NetworkError> {
        Ok(PatternSignal {
            weight: weight(&format!("{field}.weight"), raw.weight)?,
            pattern: compile(&format!("{field}.pattern"), &raw.pattern)?,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChopper {
    weight: f64,
    param: String,
    min_value_len: usize,
}

/// `chopper_fields`: numbered fields holding base64 of readable text.
#[derive(Debug, Clone)]
pub(crate) struct Chopper {
    pub weight: f64,
    pub param: Regex,
    pub min_value_len: usize,
}

/// A signal about long values (`antsword_params`, `godzilla_pass`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LongValue {
    pub weight: f64,
    pub min_value_len: usize,
}

/// `encrypted_body`: a field-less, encrypted request body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Encrypted {
    pub weight: f64,
    pub min_entropy: f64,
    pub short_fraction: f64,
    pub block: u64,
    pub min_len: u64,
}

/// `encrypted_response`: the answer to an encrypted request is encrypted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EncryptedResponse {
    pub weight: f64,
    pub min_entropy: f64,
}

/// `behinder_headers`: Behinder's fixed Accept header.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Headers {
    pub weight: f64,
    pub accept: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContent {
    code_param: RawPattern,
    chopper_fields: RawChopper,
    antsword_params: LongValue,
    shell_user_agent: RawPattern,
    response_framing: RawPattern,
    encrypted_body: Encrypted,
    encrypted_response: EncryptedResponse,
    behinder_headers: Headers,
    godzilla_pass: LongValue,
    godzilla_cookie: Plain,
    godzilla_response: RawPattern,
    command: RawPattern,
    command_output: RawPattern,
}

/// `new_uri`: a URI first seen well into its server's traffic.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUri {
    pub weight: f64,
    pub min_delay_secs: u64,
    pub min_span_fraction: f64,
    pub min_server_uris: u64,
}

/// `single_client`: a script only one client uses on a server with several.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SingleClient {
    pub weight: f64,
    pub min_server_clients: u64,
    pub min_transactions: u64,
}

/// `constant_posts`: many POSTs of near-constant size from one client.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConstantPosts {
    pub weight: f64,
    pub min_posts: u64,
    pub max_cv: f64,
}

/// `session`: several telling transactions from few clients.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Session {
    pub weight: f64,
    pub min_telling: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUri {
    new_uri: NewUri,
    single_client: SingleClient,
    constant_posts: ConstantPosts,
    session: Session,
}

/// `rare_destination`: a destination host the server rarely used.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rare {
    pub weight: f64,
    pub max_conns: u64,
}

/// `shell_port`: a port reverse shells favour.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShellPort {
    pub weight: f64,
    pub ports: Vec<u16>,
}

/// `after_content`: the flow starts soon after a content hit on the server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AfterContent {
    pub weight: f64,
    pub window_secs: u64,
}

/// `long_lived`: a long connection.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LongLived {
    pub weight: f64,
    pub min_duration_secs: f64,
}

/// `beacon`: regular connections to one destination.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Beacon {
    pub weight: f64,
    pub min_conns: u64,
    pub min_interval_secs: f64,
    pub max_jitter: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlow {
    ignore_ports: Vec<u16>,
    rare_destination: Rare,
    shell_port: ShellPort,
    after_content: AfterContent,
    long_lived: LongLived,
    beacon: Beacon,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    threshold: f64,
    bands: Vec<Band>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCandidates {
    script_extensions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    scoring: RawScoring,
    limits: Limits,
    candidates: RawCandidates,
    content: RawContent,
    uri: RawUri,
    flow: RawFlow,
}

/// Checked network analysis settings. Build once, share with
/// [`std::sync::Arc`] between worker threads.
#[derive(Debug, Clone)]
pub struct NetworkConfig {
    pub(crate) scoring: Scoring,
    pub(crate) limits: Limits,
    /// Lowercase, without the dot.
    pub(crate) script_extensions: Vec<String>,
    pub(crate) code_param: PatternSignal,
    pub(crate) chopper_fields: Chopper,
    pub(crate) antsword_params: LongValue,
    pub(crate) shell_user_agent: PatternSignal,
    pub(crate) response_framing: PatternSignal,
    pub(crate) encrypted_body: Encrypted,
    pub(crate) encrypted_response: EncryptedResponse,
    pub(crate) behinder_headers: Headers,
    pub(crate) godzilla_pass: LongValue,
    pub(crate) godzilla_cookie: Plain,
    pub(crate) godzilla_response: PatternSignal,
    pub(crate) command: PatternSignal,
    pub(crate) command_output: PatternSignal,
    pub(crate) new_uri: NewUri,
    pub(crate) single_client: SingleClient,
    pub(crate) constant_posts: ConstantPosts,
    pub(crate) session: Session,
    pub(crate) ignore_ports: Vec<u16>,
    pub(crate) rare_destination: Rare,
    pub(crate) shell_port: ShellPort,
    pub(crate) after_content: AfterContent,
    pub(crate) long_lived: LongLived,
    pub(crate) beacon: Beacon,
}

impl NetworkConfig {
    /// The shipped settings (`rules/network/signals.toml`).
    pub fn shipped() -> NetworkConfig {
        match NetworkConfig::from_toml(SHIPPED) {
            Ok(c) => c,
            // The shipped file is checked by this crate's tests; reaching this
            // arm means the binary was built from a broken checkout.
            Err(e) => panic!("shipped rules/network/signals.toml is invalid: {e}"),
        }
    }

    /// Reads and checks settings in the layout of `rules/network/signals.toml`.
    pub fn from_toml(text: &str) -> Result<NetworkConfig, NetworkError> {
        let raw: RawConfig = toml::from_str(text)?;
        let scoring = Scoring::new(raw.scoring.threshold, raw.scoring.bands)?;
        check_limits(&raw.limits)?;

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

        let c = raw.content;
        let chopper_fields = Chopper {
            weight: weight("content.chopper_fields.weight", c.chopper_fields.weight)?,
            param: compile("content.chopper_fields.param", &c.chopper_fields.param)?,
            min_value_len: c.chopper_fields.min_value_len,
        };
        weight("content.antsword_params.weight", c.antsword_params.weight)?;
        range(
            "content.antsword_params.min_value_len",
            c.antsword_params.min_value_len as u64,
            4,
            1 << 20,
        )?;
        let e = &c.encrypted_body;
        weight("content.encrypted_body.weight", e.weight)?;
        number(
            "content.encrypted_body.min_entropy",
            e.min_entropy,
            0.0,
            8.0,
        )?;
        number(
            "content.encrypted_body.short_fraction",
            e.short_fraction,
            0.0,
            1.0,
        )?;
        range("content.encrypted_body.block", e.block, 1, 4096)?;
        range("content.encrypted_body.min_len", e.min_len, 1, 1 << 20)?;
        weight(
            "content.encrypted_response.weight",
            c.encrypted_response.weight,
        )?;
        number(
            "content.encrypted_response.min_entropy",
            c.encrypted_response.min_entropy,
            0.0,
            8.0,
        )?;
        weight("content.behinder_headers.weight", c.behinder_headers.weight)?;
        weight("content.godzilla_pass.weight", c.godzilla_pass.weight)?;
        range(
            "content.godzilla_pass.min_value_len",
            c.godzilla_pass.min_value_len as u64,
            8,
            1 << 20,
        )?;
        weight("content.godzilla_cookie.weight", c.godzilla_cookie.weight)?;

        let u = raw.uri;
        weight("uri.new_uri.weight", u.new_uri.weight)?;
        number(
            "uri.new_uri.min_span_fraction",
            u.new_uri.min_span_fraction,
            0.0,
            1.0,
        )?;
        weight("uri.single_client.weight", u.single_client.weight)?;
        range(
            "uri.single_client.min_server_clients",
            u.single_client.min_server_clients,
            2,
            1 << 32,
        )?;
        weight("uri.constant_posts.weight", u.constant_posts.weight)?;
        range(
            "uri.constant_posts.min_posts",
            u.constant_posts.min_posts,
            2,
            1 << 32,
        )?;
        number(
            "uri.constant_posts.max_cv",
            u.constant_posts.max_cv,
            0.0,
            10.0,
        )?;
        weight("uri.session.weight", u.session.weight)?;
        range("uri.session.min_telling", u.session.min_telling, 1, 1 << 32)?;

        let f = raw.flow;
        weight("flow.rare_destination.weight", f.rare_destination.weight)?;
        range(
            "flow.rare_destination.max_conns",
            f.rare_destination.max_conns,
            1,
            1 << 32,
        )?;
        weight("flow.shell_port.weight", f.shell_port.weight)?;
        weight("flow.after_content.weight", f.after_content.weight)?;
        range(
            "flow.after_content.window_secs",
            f.after_content.window_secs,
            1,
            1 << 32,
        )?;
        weight("flow.long_lived.weight", f.long_lived.weight)?;
        number(
            "flow.long_lived.min_duration_secs",
            f.long_lived.min_duration_secs,
            1.0,
            1e9,
        )?;
        weight("flow.beacon.weight", f.beacon.weight)?;
        let starts = raw.limits.starts_per_flow as u64;
        range(
            "flow.beacon.min_conns",
            f.beacon.min_conns,
            3,
            starts.max(3),
        )?;
        number(
            "flow.beacon.min_interval_secs",
            f.beacon.min_interval_secs,
            0.0,
            1e9,
        )?;
        number("flow.beacon.max_jitter", f.beacon.max_jitter, 0.0, 10.0)?;

        Ok(NetworkConfig {
            scoring,
            limits: raw.limits,
            script_extensions,
            code_param: PatternSignal::of("content.code_param", c.code_param)?,
            chopper_fields,
            antsword_params: c.antsword_params,
            shell_user_agent: PatternSignal::of("content.shell_user_agent", c.shell_user_agent)?,
            response_framing: PatternSignal::of("content.response_framing", c.response_framing)?,
            encrypted_body: c.encrypted_body,
            encrypted_response: c.encrypted_response,
            behinder_headers: Headers {
                weight: c.behinder_headers.weight,
                accept: c
                    .behinder_headers
                    .accept
                    .iter()
                    .map(|a| a.trim().to_ascii_lowercase())
                    .collect(),
            },
            godzilla_pass: c.godzilla_pass,
            godzilla_cookie: c.godzilla_cookie,
            godzilla_response: PatternSignal::of("content.godzilla_response", c.godzilla_response)?,
            command: PatternSignal::of("content.command", c.command)?,
            command_output: PatternSignal::of("content.command_output", c.command_output)?,
            new_uri: u.new_uri,
            single_client: u.single_client,
            constant_posts: u.constant_posts,
            session: u.session,
            ignore_ports: f.ignore_ports,
            rare_destination: f.rare_destination,
            shell_port: f.shell_port,
            after_content: f.after_content,
            long_lived: f.long_lived,
            beacon: f.beacon,
        })
    }

    /// The score at and above which a finding is reported.
    pub fn threshold(&self) -> f64 {
        self.scoring.threshold()
    }

    /// The severity of a score: the highest band it reaches (`Info` below all).
    pub fn severity_of(&self, score: f64) -> Severity {
        self.scoring.severity_of(score)
    }

    /// Every signal weight, by signal name (for checks and documentation).
    pub fn weights(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("code_param", self.code_param.weight),
            ("chopper_fields", self.chopper_fields.weight),
            ("antsword_params", self.antsword_params.weight),
            ("shell_user_agent", self.shell_user_agent.weight),
            ("response_framing", self.response_framing.weight),
            ("encrypted_body", self.encrypted_body.weight),
            ("encrypted_response", self.encrypted_response.weight),
            ("behinder_headers", self.behinder_headers.weight),
            ("godzilla_pass", self.godzilla_pass.weight),
            ("godzilla_cookie", self.godzilla_cookie.weight),
            ("godzilla_response", self.godzilla_response.weight),
            ("command", self.command.weight),
            ("command_output", self.command_output.weight),
            ("new_uri", self.new_uri.weight),
            ("single_client", self.single_client.weight),
            ("constant_posts", self.constant_posts.weight),
            ("session", self.session.weight),
            ("rare_destination", self.rare_destination.weight),
            ("shell_port", self.shell_port.weight),
            ("after_content", self.after_content.weight),
            ("long_lived", self.long_lived.weight),
            ("beacon", self.beacon.weight),
        ]
    }
}

fn check_limits(l: &Limits) -> Result<(), NetworkError> {
    range("limits.max_servers", l.max_servers as u64, 1, 1_000_000)?;
    range(
        "limits.max_uris_per_server",
        l.max_uris_per_server as u64,
        1,
        10_000_000,
    )?;
    range("limits.clients_per_uri", l.clients_per_uri as u64, 2, 4096)?;
    range("limits.server_sketch", l.server_sketch as u64, 2, 65_536)?;
    range("limits.max_uri_len", l.max_uri_len as u64, 16, 65_536)?;
    range("limits.max_scan_len", l.max_scan_len as u64, 64, 1 << 20)?;
    range("limits.max_hosts", l.max_hosts as u64, 1, 10_000_000)?;
    range("limits.max_flows", l.max_flows as u64, 1, 100_000_000)?;
    range("limits.starts_per_flow", l.starts_per_flow as u64, 3, 4096)?;
    range("limits.evidence_first", l.evidence_first as u64, 0, 20)?;
    range("limits.evidence_telling", l.evidence_telling as u64, 1, 20)?;
    if l.evidence_first + l.evidence_telling > 20 {
        return Err(invalid(
            "limits",
            "evidence_first + evidence_telling must be <= 20",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_settings_load_and_single_signals_stay_below_medium() {
        let c = NetworkConfig::shipped();
        assert!(c.threshold() > 0.0);
        assert_eq!(c.severity_of(0.0), Severity::Info);
        assert_eq!(c.severity_of(1000.0), Severity::Critical);
        assert_eq!(c.severity_of(f64::NAN), Severity::Info);
        let medium = c.scoring.min_of(Severity::Medium).unwrap_or(f64::MAX);
        for (name, w) in c.weights() {
            assert!(w < medium, "{name} alone ({w}) reaches medium");
        }
        assert!(c.script_extensions.iter().any(|e| e == "jsp"));
    }

    #[test]
    fn bad_settings_are_rejected_with_context() {
        let e = NetworkConfig::from_toml(&SHIPPED.replacen("weight = 45.0", "weight = -1.0", 1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("content.code_param.weight"), "{e}");
        let e = NetworkConfig::from_toml(&SHIPPED.replacen(
            "param = '^z[0-9]{1,2}$'",
            "param = '(('",
            1,
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("content.chopper_fields.param") && e.contains("regular expression"),
            "{e}"
        );
        let e = NetworkConfig::from_toml(&format!("{SHIPPED}\n[extra]\nx = 1\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("extra"), "{e}");
        let e = NetworkConfig::from_toml(&SHIPPED.replacen(
            "max_scan_len = 16384",
            "max_scan_len = 1",
            1,
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("limits.max_scan_len"), "{e}");
        let e = NetworkConfig::from_toml(&SHIPPED.replacen(
            "min_entropy = 7.5",
            "min_entropy = 9.5",
            1,
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("encrypted_body.min_entropy"), "{e}");
        let e = NetworkConfig::from_toml(&SHIPPED.replacen(
            "severity = \"medium\"",
            "severity = \"low\"",
            1,
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("scoring.bands"), "{e}");
        let e = NetworkConfig::from_toml(&SHIPPED.replacen("[flow.beacon]", "[flow.beacons]", 1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("beacon"), "{e}");
        assert!(NetworkConfig::from_toml("not toml [").is_err());
        assert!(NetworkConfig::from_toml(&SHIPPED.replacen("\"php\",", "\"a/b\",", 1)).is_err());
    }
}
