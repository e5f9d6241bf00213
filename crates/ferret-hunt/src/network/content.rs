//! Per-transaction content signals: the request's parameters and body are
//! parsed and decoded (URL, base64, `chr()` chains), then checked for script
//! code, commands and the habits of web-shell families (`families`); the
//! response for command output.

use super::config::NetworkConfig;
use super::decode::{self, base64, chr_chain, excerpt, lossy, readable};
use super::families;
use super::transaction::{Method, Txn};
use crate::weblog::shapes::{cut, percent_decode, ParsedQuery};

/// A signal one transaction can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ContentSignal {
    CodeParam,
    ChopperFields,
    AntswordParams,
    ShellUserAgent,
    ResponseFraming,
    EncryptedBody,
    EncryptedResponse,
    BehinderHeaders,
    GodzillaPass,
    GodzillaCookie,
    GodzillaResponse,
    Command,
    CommandOutput,
}

impl ContentSignal {
    /// Every content signal, in index order.
    pub(crate) const ALL: [ContentSignal; 13] = [
        ContentSignal::CodeParam,
        ContentSignal::ChopperFields,
        ContentSignal::AntswordParams,
        ContentSignal::ShellUserAgent,
        ContentSignal::ResponseFraming,
        ContentSignal::EncryptedBody,
        ContentSignal::EncryptedResponse,
        ContentSignal::BehinderHeaders,
        ContentSignal::GodzillaPass,
        ContentSignal::GodzillaCookie,
        ContentSignal::GodzillaResponse,
        ContentSignal::Command,
        ContentSignal::CommandOutput,
    ];

    /// The stable name findings show.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ContentSignal::CodeParam => "code_param",
            ContentSignal::ChopperFields => "chopper_fields",
            ContentSignal::AntswordParams => "antsword_params",
            ContentSignal::ShellUserAgent => "shell_user_agent",
            ContentSignal::ResponseFraming => "response_framing",
            ContentSignal::EncryptedBody => "encrypted_body",
            ContentSignal::EncryptedResponse => "encrypted_response",
            ContentSignal::BehinderHeaders => "behinder_headers",
            ContentSignal::GodzillaPass => "godzilla_pass",
            ContentSignal::GodzillaCookie => "godzilla_cookie",
            ContentSignal::GodzillaResponse => "godzilla_response",
            ContentSignal::Command => "command",
            ContentSignal::CommandOutput => "command_output",
        }
    }

    /// Its weight in the settings.
    pub(crate) fn weight(self, cfg: &NetworkConfig) -> f64 {
        match self {
            ContentSignal::CodeParam => cfg.code_param.weight,
            ContentSignal::ChopperFields => cfg.chopper_fields.weight,
            ContentSignal::AntswordParams => cfg.antsword_params.weight,
            ContentSignal::ShellUserAgent => cfg.shell_user_agent.weight,
            ContentSignal::ResponseFraming => cfg.response_framing.weight,
            ContentSignal::EncryptedBody => cfg.encrypted_body.weight,
            ContentSignal::EncryptedResponse => cfg.encrypted_response.weight,
            ContentSignal::BehinderHeaders => cfg.behinder_headers.weight,
            ContentSignal::GodzillaPass => cfg.godzilla_pass.weight,
            ContentSignal::GodzillaCookie => cfg.godzilla_cookie.weight,
            ContentSignal::GodzillaResponse => cfg.godzilla_response.weight,
            ContentSignal::Command => cfg.command.weight,
            ContentSignal::CommandOutput => cfg.command_output.weight,
        }
    }

    /// Whether the signal is read from the response.
    fn is_response_side(self) -> bool {
        matches!(
            self,
            ContentSignal::ResponseFraming
                | ContentSignal::EncryptedResponse
                | ContentSignal::GodzillaResponse
                | ContentSignal::CommandOutput
        )
    }
}

/// One signal one transaction showed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    pub signal: ContentSignal,
    /// What was seen, in words (unescaped).
    pub detail: String,
    /// The telling bytes (at most 200 characters, unescaped).
    pub excerpt: String,
}

impl Hit {
    pub(crate) fn new(signal: ContentSignal, detail: String, excerpt: String) -> Hit {
        Hit {
            signal,
            detail,
            excerpt: excerpt.chars().take(decode::MAX_EXCERPT_CHARS).collect(),
        }
    }
}

/// What the request body is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    /// No body captured.
    None,
    /// `multipart/form-data` (uploads).
    Multipart,
    /// JSON or XML.
    Structured,
    /// `name=value&...` fields.
    Form,
    /// Base64 and nothing else; the decoded bytes.
    Base64(Vec<u8>),
    /// Binary bytes (the capture's text has replacement characters).
    Binary,
    /// Other text.
    Text,
}

/// One parameter, with the texts it decodes to.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    /// `query` or `body`.
    pub origin: &'static str,
    pub name: String,
    pub value: String,
    /// (how it was decoded, text): the value itself first.
    pub variants: Vec<(&'static str, String)>,
}

/// The parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Parsed<'t> {
    pub params: Vec<Param>,
    pub body: Body,
    /// The request body, cut to the scan length.
    pub body_text: Option<&'t str>,
    /// The decoded query.
    pub query: Option<String>,
}

/// Whether `body` is `name=value` fields with ordinary names.
fn is_form(body: &str) -> bool {
    let body = body.trim_end_matches(['\r', '\n']);
    !body.is_empty()
        && body.split('&').take(64).all(|p| match p.split_once('=') {
            Some((n, _)) => {
                (1..=64).contains(&n.len())
                    && n.bytes().all(|b| {
                        b.is_ascii_alphanumeric()
                            || matches!(b, b'_' | b'.' | b'-' | b'[' | b']' | b'%')
                    })
            }
            None => p.is_empty(),
        })
}

fn classify(t: &Txn<'_>, body: &str) -> Body {
    let ct = t.content_type.as_deref().unwrap_or("").to_ascii_lowercase();
    let trimmed = body.trim_start();
    if ct.contains("multipart/") || trimmed.starts_with("--") {
        return Body::Multipart;
    }
    if ct.contains("json") || ct.contains("xml") || trimmed.starts_with(['{', '[', '<']) {
        return Body::Structured;
    }
    if decode::binary_text(body) {
        return Body::Binary;
    }
    if let Some(b) = base64(&percent_decode(body.trim(), false)) {
        return Body::Base64(b);
    }
    if is_form(body) {
        return Body::Form;
    }
    Body::Text
}

/// The texts a parameter value decodes to, besides itself.
fn variants(value: &str, min_prefixed: usize) -> Vec<(&'static str, String)> {
    let mut out = vec![("as sent", value.to_owned())];
    match base64(value) {
        Some(b) if readable(&b) => out.push(("base64-decoded", lossy(&b, 1 << 16))),
        _ => {
            if value.len() >= min_prefixed {
                if let Some(b) = value.get(2..).and_then(base64).filter(|b| readable(b)) {
                    out.push((
                        "base64-decoded after a 2-character prefix",
                        lossy(&b, 1 << 16),
                    ));
                }
            }
        }
    }
    if let Some(s) = chr_chain(value) {
        out.push(("chr() chain", s));
    }
    out
}

/// Parses the request's query and body (at most `max_scan_len` bytes each).
pub(crate) fn parse<'t>(cfg: &NetworkConfig, t: &Txn<'t>) -> Parsed<'t> {
    let max = cfg.limits.max_scan_len;
    let min_prefixed = cfg.antsword_params.min_value_len;
    let mut params = Vec::new();
    let query = t.query.map(|q| {
        let pq = ParsedQuery::parse(q, max);
        for (name, value) in pq.params {
            let variants = variants(&value, min_prefixed);
            params.push(Param {
                origin: "query",
                name,
                value,
                variants,
            });
        }
        pq.decoded
    });
    let body_text = t.req_body.map(|b| cut(b, max)).filter(|b| !b.is_empty());
    let body = match body_text {
        None => Body::None,
        Some(b) => classify(t, b),
    };
    if let (Body::Form, Some(b)) = (&body, body_text) {
        for (name, value) in ParsedQuery::parse(b, max).params {
            let variants = variants(&value, min_prefixed);
            params.push(Param {
                origin: "body",
                name,
                value,
                variants,
            });
        }
    }
    Parsed {
        params,
        body,
        body_text,
        query,
    }
}

/// `name=value`, cut for an excerpt.
pub(crate) fn param_excerpt(p: &Param) -> String {
    format!("{}={}", p.name, p.value)
}

/// Every signal the transaction shows. Request-side signals of requests
/// answered 4xx/5xx are left out (probes).
pub(crate) fn analyze(cfg: &NetworkConfig, t: &Txn<'_>) -> Vec<Hit> {
    let parsed = parse(cfg, t);
    let mut hits = Vec::new();
    code_param(cfg, &parsed, &mut hits);
    command(cfg, &parsed, &mut hits);
    families::check(cfg, t, &parsed, &mut hits);
    // Binary responses (images, archives, encrypted output) carry no text.
    let resp = t
        .resp_body
        .map(|b| cut(b, cfg.limits.max_scan_len))
        .filter(|b| !decode::binary_text(b));
    if let Some(resp) = resp {
        if let Some(m) = cfg.command_output.pattern.find(resp) {
            hits.push(Hit::new(
                ContentSignal::CommandOutput,
                format!(
                    "the response carries command output ({:?})",
                    cut(m.as_str().trim(), 60)
                ),
                excerpt(resp, m.start()),
            ));
        }
    }
    if !t.answered() {
        hits.retain(|h| h.signal.is_response_side());
    }
    hits.sort_by_key(|h| h.signal);
    hits.dedup_by_key(|h| h.signal);
    hits
}

fn code_param(cfg: &NetworkConfig, parsed: &Parsed<'_>, hits: &mut Vec<Hit>) {
    for p in &parsed.params {
        for (how, text) in &p.variants {
            if let Some(m) = cfg.code_param.pattern.find(text) {
                hits.push(Hit::new(
                    ContentSignal::CodeParam,
                    format!(
                        "{} parameter {:?} holds script code ({how}: {:?})",
                        p.origin,
                        cut(&p.name, 64),
                        cut(m.as_str(), 60)
                    ),
                    if *how == "as sent" {
                        param_excerpt(p)
                    } else {
                        excerpt(text, m.start())
                    },
                ));
                return;
            }
        }
    }
}

fn command(cfg: &NetworkConfig, parsed: &Parsed<'_>, hits: &mut Vec<Hit>) {
    let re = &cfg.command.pattern;
    for p in &parsed.params {
        for (how, text) in &p.variants {
            if let Some(m) = re.find(text) {
                hits.push(Hit::new(
                    ContentSignal::Command,
                    format!(
                        "{} parameter {:?} carries a command ({how}: {:?})",
                        p.origin,
                        cut(&p.name, 64),
                        cut(m.as_str().trim(), 60)
                    ),
                    if *how == "as sent" {
                        param_excerpt(p)
                    } else {
                        excerpt(text, m.start())
                    },
                ));
                return;
            }
        }
    }
    let body = match (&parsed.body, parsed.body_text) {
        (Body::Text | Body::Structured, Some(b)) => Some(("request body", b.to_owned())),
        (Body::Base64(b), _) if readable(b) => {
            Some(("base64-decoded request body", lossy(b, 1 << 16)))
        }
        _ => None,
    };
    for (place, text) in parsed
        .query
        .iter()
        .map(|q| ("query", q.clone()))
        .chain(body)
    {
        if let Some(m) = re.find(&text) {
            hits.push(Hit::new(
                ContentSignal::Command,
                format!(
                    "the {place} carries a command ({:?})",
                    cut(m.as_str().trim(), 60)
                ),
                excerpt(&text, m.start()),
            ));
            return;
        }
    }
}

/// Whether the request is a POST to a script.
pub(crate) fn post_to_script(cfg: &NetworkConfig, t: &Txn<'_>) -> bool {
    t.method == Method::Post && t.is_script(&cfg.script_extensions)
}
