//! Combining signals into one score, and the score into a severity.
//!
//! A file's score is the sum of the weights of the distinct rules and
//! heuristics that matched it (a rule counts once however often it matched).
//! Weak signals weigh at most 25, so one alone never reaches medium (50).

use ferret_core::{Confidence, Severity};

/// Score thresholds for each severity.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// Score at or above which a finding is low.
    pub low: u32,
    /// ... medium.
    pub medium: u32,
    /// ... high.
    pub high: u32,
    /// ... critical.
    pub critical: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            low: Severity::Low.min_score(),
            medium: Severity::Medium.min_score(),
            high: Severity::High.min_score(),
            critical: Severity::Critical.min_score(),
        }
    }
}

/// The severity a score earns; `None` below the low threshold.
pub fn severity_for_score(score: u32, t: &Thresholds) -> Option<Severity> {
    Some(if score >= t.critical {
        Severity::Critical
    } else if score >= t.high {
        Severity::High
    } else if score >= t.medium {
        Severity::Medium
    } else if score >= t.low {
        Severity::Low
    } else {
        return None;
    })
}

/// The default weight of a rule of the given severity.
pub fn weight_for_severity(s: Severity) -> u32 {
    match s {
        Severity::Info => 0,
        Severity::Low => 20,
        Severity::Medium => 50,
        Severity::High => 75,
        Severity::Critical => 100,
    }
}

/// Confidence grows with the score and with the number of independent
/// signals: one strong rule alone is less sure than a rule and two heuristics.
pub fn confidence(score: u32, signals: usize) -> Confidence {
    let by_score = (score as f64 / 150.0).min(1.0);
    let by_count = 1.0 - 0.5f64.powi(signals as i32);
    Confidence::new(0.35 + 0.45 * by_score + 0.2 * by_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_weak_signal_is_not_medium() {
        let t = Thresholds::default();
        assert_eq!(
            severity_for_score(weight_for_severity(Severity::Low), &t),
            None
        );
        assert_eq!(severity_for_score(25, &t), Some(Severity::Low));
        assert_eq!(severity_for_score(50, &t), Some(Severity::Medium));
        assert_eq!(severity_for_score(140, &t), Some(Severity::Critical));
    }

    #[test]
    fn confidence_grows() {
        assert!(confidence(50, 1).get() < confidence(100, 3).get());
        assert!(confidence(10_000, 100).get() <= 1.0);
    }
}
