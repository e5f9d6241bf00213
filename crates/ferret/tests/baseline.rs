//! `ferret baseline` on real trees (being written).
