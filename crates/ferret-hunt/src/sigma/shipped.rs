//! Ferret's own Sigma rules, embedded at build time by `build.rs`.

include!(concat!(env!("OUT_DIR"), "/shipped_sigma.rs"));
