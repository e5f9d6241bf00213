//! Traffic habits of web-shell families, as public analyses describe them:
//! China Chopper (numbered `z0` fields of base64, `->|`…`|<-` framed output),
//! AntSword (base64 values behind a 2-character junk prefix, its default
//! User-Agent), Behinder (field-less encrypted POST bodies and responses, a
//! fixed Accept header) and Godzilla (one long base64 field, a Cookie ending
//! with `;`, responses framed by 16 hex digits on each side).

use super::config::NetworkConfig;
use super::content::{param_excerpt, post_to_script, Body, ContentSignal, Hit, Parsed};
use super::decode::{base64, binary_text, entropy, entropy_floor, excerpt, readable};
use super::transaction::Txn;
use crate::weblog::shapes::cut;

/// Adds the family signals the transaction shows to `hits`.
pub(crate) fn check(cfg: &NetworkConfig, t: &Txn<'_>, parsed: &Parsed<'_>, hits: &mut Vec<Hit>) {
    chopper(cfg, t, parsed, hits);
    antsword(parsed, hits);
    if let Some(ua) = t.user_agent.as_deref() {
        if let Some(m) = cfg.shell_user_agent.pattern.find(ua) {
            hits.push(Hit::new(
                ContentSignal::ShellUserAgent,
                format!(
                    "User-Agent names a web-shell client ({:?})",
                    cut(m.as_str(), 40)
                ),
                ua.to_owned(),
            ));
        }
    }
    let encrypted = encrypted_body(cfg, t, parsed);
    let godzilla = godzilla_pass(cfg, t, parsed);
    let disguised = encrypted.is_some() || godzilla.is_some();
    if disguised {
        if let Some(c) = t.cookie.as_deref().filter(|c| c.trim_end().ends_with(';')) {
            hits.push(Hit::new(
                ContentSignal::GodzillaCookie,
                "the Cookie header of the disguised POST ends with ';'".to_owned(),
                c.to_owned(),
            ));
        }
        if let Some(h) = encrypted_response(cfg, t) {
            hits.push(h);
        }
    }
    if post_to_script(cfg, t) {
        behinder_headers(cfg, t, parsed, encrypted.is_some(), hits);
        if let Some(resp) = t.resp_body.map(str::trim).filter(|r| r.len() >= 40) {
            if cfg
                .godzilla_response
                .pattern
                .is_match(cut(resp, cfg.limits.max_scan_len))
            {
                hits.push(Hit::new(
                    ContentSignal::GodzillaResponse,
                    format!(
                        "the response is 16 hex digits, base64, 16 hex digits ({} bytes)",
                        resp.len()
                    ),
                    resp.to_owned(),
                ));
            }
        }
    }
    hits.extend(encrypted);
    hits.extend(godzilla);
}

fn chopper(cfg: &NetworkConfig, t: &Txn<'_>, parsed: &Parsed<'_>, hits: &mut Vec<Hit>) {
    let c = &cfg.chopper_fields;
    let fields: Vec<_> = parsed
        .params
        .iter()
        .filter(|p| c.param.is_match(&p.name) && p.value.len() >= c.min_value_len)
        .filter(|p| p.variants.iter().any(|(how, _)| *how == "base64-decoded"))
        .collect();
    if let Some(first) = fields.first() {
        let names: Vec<&str> = fields.iter().take(8).map(|p| cut(&p.name, 16)).collect();
        hits.push(Hit::new(
            ContentSignal::ChopperFields,
            format!(
                "China Chopper style fields holding base64 of text: {}",
                names.join(", ")
            ),
            param_excerpt(first),
        ));
    }
    let resp = t
        .resp_body
        .map(|b| cut(b, cfg.limits.max_scan_len))
        .filter(|b| !binary_text(b));
    if let Some(resp) = resp {
        if let Some(m) = cfg.response_framing.pattern.find(resp) {
            hits.push(Hit::new(
                ContentSignal::ResponseFraming,
                "the response output is framed by China Chopper's ->| and |<- markers".to_owned(),
                excerpt(resp, m.start()),
            ));
        }
    }
}

fn antsword(parsed: &Parsed<'_>, hits: &mut Vec<Hit>) {
    let prefixed: Vec<_> = parsed
        .params
        .iter()
        .filter(|p| {
            p.variants
                .iter()
                .any(|(how, _)| *how == "base64-decoded after a 2-character prefix")
        })
        .collect();
    if let Some(first) = prefixed.first() {
        hits.push(Hit::new(
            ContentSignal::AntswordParams,
            format!(
                "{} parameter(s) hold base64 of text behind a 2-character junk prefix (AntSword), e.g. {:?}",
                prefixed.len(),
                cut(&first.name, 64)
            ),
            param_excerpt(first),
        ));
    }
}

/// The decoded length and entropy when `b` is encrypted-looking bytes.
fn encrypted_bytes(cfg: &NetworkConfig, b: &[u8], whole: bool) -> Option<(u64, f64)> {
    let e = &cfg.encrypted_body;
    let n = b.len() as u64;
    let h = entropy(b);
    (n >= e.min_len
        && (!whole || n.is_multiple_of(e.block))
        && !readable(b)
        && h >= entropy_floor(n, e.min_entropy, e.short_fraction))
    .then_some((n, h))
}

fn encrypted_body(cfg: &NetworkConfig, t: &Txn<'_>, parsed: &Parsed<'_>) -> Option<Hit> {
    if !post_to_script(cfg, t) {
        return None;
    }
    let e = &cfg.encrypted_body;
    match &parsed.body {
        Body::Binary => {
            let n = t.req_len.or(parsed.body_text.map(|b| b.len() as u64))?;
            let h = t.req_entropy?;
            let kept = if t.req_truncated { n.max(1024) } else { n };
            (n >= e.min_len
                && n.is_multiple_of(e.block)
                && h >= entropy_floor(kept, e.min_entropy, e.short_fraction))
            .then(|| {
                Hit::new(
                    ContentSignal::EncryptedBody,
                    format!(
                        "field-less POST body of {n} bytes (a multiple of {}) with entropy {h:.2} bits/byte: encrypted",
                        e.block
                    ),
                    parsed.body_text.unwrap_or_default().to_owned(),
                )
            })
        }
        Body::Base64(b) => {
            let (n, h) = encrypted_bytes(cfg, b, !t.req_truncated)?;
            Some(Hit::new(
                ContentSignal::EncryptedBody,
                format!(
                    "field-less POST body is base64 of {n} bytes (a multiple of {}) with entropy {h:.2} bits/byte: encrypted",
                    e.block
                ),
                parsed.body_text.unwrap_or_default().to_owned(),
            ))
        }
        _ => None,
    }
}

fn godzilla_pass(cfg: &NetworkConfig, t: &Txn<'_>, parsed: &Parsed<'_>) -> Option<Hit> {
    if !post_to_script(cfg, t) || parsed.body != Body::Form {
        return None;
    }
    let body: Vec<_> = parsed
        .params
        .iter()
        .filter(|p| p.origin == "body")
        .collect();
    // Fields that decode to readable text are another family's (code,
    // AntSword's prefixed values).
    if body.is_empty() || body.len() > 2 || body.iter().any(|p| p.variants.len() > 1) {
        return None;
    }
    let p = body.iter().find(|p| {
        p.value.len() >= cfg.godzilla_pass.min_value_len
            && base64(&p.value).is_some_and(|b| b.len() >= 16 && !readable(&b))
    })?;
    Some(Hit::new(
        ContentSignal::GodzillaPass,
        format!(
            "a single form field {:?} carries {} characters of base64 that decode to binary bytes (Godzilla's pass= field)",
            cut(&p.name, 64),
            p.value.len()
        ),
        param_excerpt(p),
    ))
}

fn encrypted_response(cfg: &NetworkConfig, t: &Txn<'_>) -> Option<Hit> {
    let resp = cut(t.resp_body?, cfg.limits.max_scan_len);
    let r = &cfg.encrypted_response;
    if binary_text(resp) {
        let n = t.resp_len.unwrap_or(resp.len() as u64);
        let h = t.resp_entropy?;
        let floor = entropy_floor(n, r.min_entropy, cfg.encrypted_body.short_fraction);
        return (n >= cfg.encrypted_body.min_len && h >= floor).then(|| {
            Hit::new(
                ContentSignal::EncryptedResponse,
                format!("the response is {n} bytes with entropy {h:.2} bits/byte: encrypted too"),
                resp.to_owned(),
            )
        });
    }
    let trimmed = resp.trim();
    let framed = cfg.godzilla_response.pattern.is_match(trimmed);
    let inner = if framed && trimmed.len() > 32 {
        trimmed.get(16..trimmed.len() - 16).unwrap_or(trimmed)
    } else {
        trimmed
    };
    let b = base64(inner)?;
    (b.len() >= 16 && !readable(&b)).then(|| {
        Hit::new(
            ContentSignal::EncryptedResponse,
            format!(
                "the response is base64 of {} binary bytes: encrypted too",
                b.len()
            ),
            resp.to_owned(),
        )
    })
}

fn behinder_headers(
    cfg: &NetworkConfig,
    t: &Txn<'_>,
    parsed: &Parsed<'_>,
    encrypted: bool,
    hits: &mut Vec<Hit>,
) {
    let Some(accept) = t.accept.as_deref() else {
        return;
    };
    let a = accept.trim().to_ascii_lowercase();
    let fieldless = matches!(parsed.body, Body::Binary | Body::Base64(_) | Body::Text);
    if (encrypted || fieldless) && cfg.behinder_headers.accept.contains(&a) {
        hits.push(Hit::new(
            ContentSignal::BehinderHeaders,
            "Behinder's fixed Accept header on a POST without form fields".to_owned(),
            accept.to_owned(),
        ));
    }
}
