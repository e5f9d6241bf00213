//! The Sigma engine (being written).
