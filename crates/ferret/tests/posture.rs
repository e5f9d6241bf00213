//! `ferret posture` on real trees (being written).
