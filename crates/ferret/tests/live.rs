//! `ferret live` on real trees (being written).
