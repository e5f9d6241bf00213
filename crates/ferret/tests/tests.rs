//! Integration tests: the real `ferret` binary on temporary trees.

mod util;

mod audit_db;
mod baseline;
mod golden;
mod hunt;
mod inventory;
mod live;
mod posture;
mod rules;
mod scan;
mod scan_bad_input;
mod watch;
