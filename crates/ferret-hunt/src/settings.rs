//! Checks shared by the analyzers' settings files (`rules/weblog/signals.toml`,
//! `rules/network/signals.toml`): weights, ranges, patterns and score bands.
//! Each analyzer's error type takes a [`Problem`] with `From`, so `?` works.

use ferret_core::Severity;
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

/// Compiled size limit of one configured pattern.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// What is wrong with one setting.
#[derive(Debug)]
pub(crate) enum Problem {
    /// A value out of range or inconsistent.
    Invalid { field: String, reason: String },
    /// A pattern that does not compile.
    Regex {
        field: String,
        source: Box<regex::Error>,
    },
}

/// A [`Problem::Invalid`].
pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Problem {
    Problem::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Compiles a configured pattern: case-insensitive, size-limited.
pub(crate) fn compile(field: &str, pattern: &str) -> Result<Regex, Problem> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| Problem::Regex {
            field: field.to_owned(),
            source: Box::new(e),
        })
}

/// A weight or threshold: finite, within `0..=1000`.
pub(crate) fn weight(field: &str, w: f64) -> Result<f64, Problem> {
    number(field, w, 0.0, 1000.0)
}

/// A finite number within `lo..=hi`.
pub(crate) fn number(field: &str, v: f64, lo: f64, hi: f64) -> Result<f64, Problem> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(invalid(
            field,
            format!("{v} is not a number in {lo}..={hi}"),
        ))
    }
}

/// A fraction within `0..=1`.
pub(crate) fn fraction(field: &str, f: f64) -> Result<f64, Problem> {
    if f.is_finite() && (0.0..=1.0).contains(&f) {
        Ok(f)
    } else {
        Err(invalid(field, format!("{f} is not a fraction in 0..=1")))
    }
}

/// A count within `lo..=hi`.
pub(crate) fn range(field: &str, v: u64, lo: u64, hi: u64) -> Result<u64, Problem> {
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(invalid(field, format!("{v} is not in {lo}..={hi}")))
    }
}

/// A score band: scores from `min` up have `severity` (until a higher band).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Band {
    /// The lowest score in the band.
    pub min: f64,
    /// The severity of scores in the band.
    pub severity: Severity,
}

/// The `[scoring]` table: a reporting threshold and severity bands.
#[derive(Debug, Clone)]
pub(crate) struct Scoring {
    threshold: f64,
    /// Ascending by `min`, severities rising.
    bands: Vec<Band>,
}

impl Scoring {
    /// Checks `scoring.threshold` and `scoring.bands`.
    pub fn new(threshold: f64, mut bands: Vec<Band>) -> Result<Scoring, Problem> {
        let threshold = weight("scoring.threshold", threshold)?;
        if threshold <= 0.0 {
            return Err(invalid("scoring.threshold", "must be above 0"));
        }
        if bands.is_empty() || bands.len() > Severity::ALL.len() {
            return Err(invalid("scoring.bands", "expected 1 to 5 bands"));
        }
        for (i, b) in bands.iter().enumerate() {
            weight(&format!("scoring.bands[{i}].min"), b.min)?;
        }
        bands.sort_by(|a, b| a.min.total_cmp(&b.min));
        if bands.windows(2).any(|w| w[0].severity >= w[1].severity) {
            return Err(invalid(
                "scoring.bands",
                "severities must rise with the band minimum",
            ));
        }
        Ok(Scoring { threshold, bands })
    }

    /// The score at and above which a finding is reported.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The lowest score of `severity`'s band, if there is one (tests check
    /// that no single signal reaches a band).
    #[cfg(test)]
    pub fn min_of(&self, severity: Severity) -> Option<f64> {
        self.bands
            .iter()
            .find(|b| b.severity == severity)
            .map(|b| b.min)
    }

    /// The severity of a score: the highest band it reaches (`Info` below all).
    pub fn severity_of(&self, score: f64) -> Severity {
        self.bands
            .iter()
            .rev()
            .find(|b| score >= b.min)
            .map_or(Severity::Info, |b| b.severity)
    }
}
