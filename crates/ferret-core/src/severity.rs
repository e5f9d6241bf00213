//! Severity (how bad, if true) and confidence (how sure).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is if it is true. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; not a problem by itself.
    Info,
    /// A weak tell; look when convenient.
    Low,
    /// Likely malicious or a real policy break; look today.
    Medium,
    /// Malicious with strong evidence.
    High,
    /// Known malicious behaviour with overwhelming evidence.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowest score that earns this severity under the default
    /// thresholds (docs/finding.md: 25 low, 50 medium, 75 high, 100
    /// critical): the score of a finding a policy grades directly.
    pub fn min_score(self) -> u32 {
        match self {
            Severity::Info => 0,
            Severity::Low => 25,
            Severity::Medium => 50,
            Severity::High => 75,
            Severity::Critical => 100,
        }
    }

    /// The lowercase name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity name that is not one of `info low medium high critical`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity {0:?}: expected one of info, low, medium, high, critical")]
pub struct ParseSeverityError(pub String);

impl FromStr for Severity {
    type Err = ParseSeverityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseSeverityError(s.to_string()))
    }
}

/// How sure the analyzer is, from 0.0 to 1.0. Always finite and in range:
/// the constructor clamps, so no other value can exist.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Confidence(f64);

impl Confidence {
    /// Clamps `v` into `0.0..=1.0`; NaN becomes 0.0. Rounded to two decimals so
    /// that output is stable across platforms.
    pub fn new(v: f64) -> Self {
        let v = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
        Confidence((v * 100.0).round() / 100.0)
    }

    /// The value in `0.0..=1.0`.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Confidence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if !(0.0..=1.0).contains(&v) {
            return Err(serde::de::Error::custom(format!(
                "confidence {v} is outside 0.0..=1.0"
            )));
        }
        Ok(Confidence::new(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("severe".parse::<Severity>().is_err());
        assert_eq!(
            serde_json::to_string(&Severity::Medium).unwrap(),
            "\"medium\""
        );
    }

    #[test]
    fn confidence_is_clamped() {
        assert_eq!(Confidence::new(1.7).get(), 1.0);
        assert_eq!(Confidence::new(-2.0).get(), 0.0);
        assert_eq!(Confidence::new(f64::NAN).get(), 0.0);
        assert_eq!(Confidence::new(0.666).get(), 0.67);
        assert!(serde_json::from_str::<Confidence>("1.5").is_err());
        assert_eq!(
            serde_json::from_str::<Confidence>("0.5").unwrap().get(),
            0.5
        );
    }
}
