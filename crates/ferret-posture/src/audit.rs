//! M1047 Audit: a sealed baseline exists, verifies, and is recent. The
//! caller opens the store read-only and verifies it (ferret-store); this
//! module judges the outcome.

use crate::catalogue::BaselineRule;
use crate::{Check, Evidence, Status};
use std::path::PathBuf;

/// What the caller found in the baseline store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineState {
    /// No store file at the path.
    NoStore {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The store exists but holds no baseline.
    Empty {
        /// The store.
        path: PathBuf,
    },
    /// The store or the key could not be read (permissions, a newer schema),
    /// so the seal could not be checked.
    Unreadable {
        /// The store or key file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The latest baseline fails verification.
    Tampered {
        /// The store.
        path: PathBuf,
        /// Why it cannot be trusted (altered, rolled back, other key, ...).
        reason: String,
    },
    /// The latest baseline verifies.
    Trusted {
        /// The store.
        path: PathBuf,
        /// Its generation.
        generation: u64,
        /// When it was made (RFC 3339).
        created: String,
        /// Items it records.
        items: u64,
        /// The sealing key's public id.
        key_id: String,
    },
}

/// Judges the baseline state against the catalogue's maximum age.
pub fn check(rule: &BaselineRule, state: &BaselineState, now: i64) -> Check {
    let (status, evidence) = match state {
        BaselineState::NoStore { path } => (
            Status::NotMet,
            vec![Evidence::at(
                "no baseline store (nothing has been recorded)",
                path,
            )],
        ),
        BaselineState::Empty { path } => (
            Status::NotMet,
            vec![Evidence::at("the store holds no baseline", path)],
        ),
        BaselineState::Unreadable { path, reason } => (
            Status::Unknown,
            vec![Evidence::at("cannot check the seal", path).value(reason)],
        ),
        BaselineState::Tampered { path, reason } => (
            Status::NotMet,
            vec![Evidence::at("the latest baseline does not verify", path).value(reason)],
        ),
        BaselineState::Trusted {
            path,
            generation,
            created,
            items,
            key_id,
        } => {
            let sealed = Evidence::at(
                format!(
                    "generation {generation}, {items} items, sealed with key {key_id}, verifies"
                ),
                path,
            );
            match crate::time::parse_rfc3339(created) {
                None => (
                    Status::Unknown,
                    vec![
                        sealed,
                        Evidence::at("creation time does not parse", path).value(created),
                    ],
                ),
                Some(t) => {
                    let days = (now - t).max(0) / 86_400;
                    let max = i64::from(rule.max_age_days);
                    let (status, what) = if days <= max {
                        (
                            Status::Met,
                            format!("created {days} days ago (at most {max})"),
                        )
                    } else {
                        (
                            Status::NotMet,
                            format!("created {days} days ago, older than {max} days"),
                        )
                    };
                    (
                        status,
                        vec![sealed, Evidence::at(what, path).value(created)],
                    )
                }
            }
        }
    };
    Check::new(&rule.meta, status, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalogue;

    fn trusted(created: &str) -> BaselineState {
        BaselineState::Trusted {
            path: "/s.db".into(),
            generation: 3,
            created: created.into(),
            items: 10,
            key_id: "abcd".into(),
        }
    }

    #[test]
    fn age_decides() {
        let cat = Catalogue::load().unwrap();
        let now = crate::time::parse_rfc3339("2024-03-31T00:00:00Z").unwrap();
        let c = check(&cat.baseline, &trusted("2024-03-30T00:00:00Z"), now);
        assert_eq!(c.status, Status::Met);
        let c = check(&cat.baseline, &trusted("2023-01-01T00:00:00Z"), now);
        assert_eq!(c.status, Status::NotMet);
        assert!(c.evidence[1].what.contains("older than"));
        let c = check(&cat.baseline, &trusted("yesterday"), now);
        assert_eq!(c.status, Status::Unknown);
    }
}
