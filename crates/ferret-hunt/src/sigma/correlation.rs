//! Sigma correlation rules (specification 2.0): `event_count`, `value_count`,
//! `temporal` and `temporal_ordered` over a sliding time window per group,
//! field name aliases, and chains of correlations.
//!
//! Parse each correlation document with [`parse_correlation`], resolve the
//! set against the base rules with [`CorrelationSet::new`], have the base
//! matcher capture [`CorrelationSet::captured_fields`] for each rule, then
//! hand the base matches to [`CorrelationSet::run`].
//!
//! Windows: a window starts at a match and holds every match of the same
//! group at most `timespan` later (matches exactly `timespan` apart share a
//! window). A matching window is reported whole as one hit, and the next
//! window of that group starts after it, so a burst gives one hit.
//! Matches with equal times are ordered by the caller's event index; one
//! event matching several referenced rules counts once.
//!
//! Leniencies and limits: a missing `group-by` means one group for all
//! matches; `temporal` takes an optional count condition (default: every
//! rule), `temporal_ordered` only the default; boolean-expression conditions
//! (a later draft) are refused; at most 64 referenced rules.

mod parse;
mod rule;
mod run;
mod set;
mod window;

#[cfg(test)]
mod tests;

pub use parse::{
    parse, parse_correlation, parse_correlation_text, parse_timespan, CorrelationError,
    MAX_REFERENCED_RULES,
};
pub use rule::{CorrelationKind, CorrelationRule, FieldAliases, Threshold};
pub use set::{
    BaseMatch, CorrelationHit, CorrelationId, CorrelationOutcome, CorrelationSet, MAX_HIT_EVENTS,
};
