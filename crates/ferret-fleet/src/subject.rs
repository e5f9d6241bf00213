//! Subjects and stream names: one NATS subject per host, `{prefix}.{token}`,
//! where the token is the host name made safe for a subject.

use sha2::{Digest, Sha256};

/// The JetStream stream findings are published to, unless configured.
pub const DEFAULT_STREAM: &str = "FERRET_FINDINGS";
/// The subject prefix; a host's subject is `{prefix}.{host_token}`.
pub const DEFAULT_PREFIX: &str = "ferret.findings";

/// The host name as one NATS subject token. A subject token cannot hold `.`,
/// `*`, `>`, whitespace or be empty: every character outside `[A-Za-z0-9_-]`
/// becomes `_`, and when anything changed, `-` and 8 hex digits of the
/// SHA-256 of the host are appended, so two different hosts never share a
/// token (`web.01` and `web_01` differ).
pub fn host_token(host: &str) -> String {
    let mut out: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out != host || out.is_empty() {
        let h = Sha256::digest(host.as_bytes());
        out.push('-');
        out.push_str(&hex::encode(&h[..4]));
    }
    out
}

/// The subject a host's findings are published to.
pub fn subject_for(prefix: &str, host: &str) -> String {
    format!("{prefix}.{}", host_token(host))
}

/// The wildcard that covers every host's subject under `prefix`.
pub fn all_hosts(prefix: &str) -> String {
    format!("{prefix}.>")
}

/// Checks a subject prefix: dot-separated tokens of `[A-Za-z0-9_-]`.
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Err("the subject prefix is empty".into());
    }
    for tok in prefix.split('.') {
        if tok.is_empty()
            || !tok
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(format!(
                "subject prefix {prefix:?}: tokens must be non-empty and hold only A-Z a-z 0-9 _ -"
            ));
        }
    }
    Ok(())
}

/// Checks a stream or consumer name: `[A-Za-z0-9_-]`, at most 255 characters.
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 255
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!(
            "{what} name {name:?}: use 1-255 characters of A-Z a-z 0-9 _ -"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_hosts_are_kept() {
        assert_eq!(host_token("web01"), "web01");
        assert_eq!(host_token("WEB-01_a"), "WEB-01_a");
    }

    #[test]
    fn unsafe_hosts_are_mapped_and_never_collide() {
        let a = host_token("web.01");
        let b = host_token("web_01");
        let c = host_token("web 01");
        assert!(
            a.starts_with("web_01-") && a.len() == "web_01-".len() + 8,
            "{a}"
        );
        assert_eq!(b, "web_01");
        assert_ne!(a, b);
        assert_ne!(a, c);
        for h in ["", "*", ">", "a.b.>", "é", "x\ny", "\t"] {
            let t = host_token(h);
            assert!(!t.is_empty());
            assert!(
                t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
                "{t}"
            );
        }
        assert_ne!(host_token(""), host_token("_"));
    }

    #[test]
    fn subjects_and_names() {
        assert_eq!(
            subject_for(DEFAULT_PREFIX, "h.x"),
            format!("ferret.findings.{}", host_token("h.x"))
        );
        assert_eq!(all_hosts("a.b"), "a.b.>");
        assert!(check_prefix("ferret.findings").is_ok());
        assert!(check_prefix("a..b").is_err());
        assert!(check_prefix("a.*").is_err());
        assert!(check_name("stream", "FERRET_FINDINGS").is_ok());
        assert!(check_name("stream", "a.b").is_err());
    }
}
