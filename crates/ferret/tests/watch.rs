//! `ferret watch` on real trees (being written).
