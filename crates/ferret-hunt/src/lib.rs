//! Event analyzers: the Sigma engine and web-log analysis.
//!
//! Rules are compiled once into a [`sigma::RuleSet`] that worker threads share
//! read-only; analyzers read [`ferret_core::Event`]s and never do I/O beyond
//! loading rule files.

pub mod findings;
pub mod network;
pub mod samples;
mod settings;
pub mod sigma;
pub mod weblog;
