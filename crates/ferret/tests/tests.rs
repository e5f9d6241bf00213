//! Integration tests: the real `ferret` binary on temporary trees.

mod util;

mod appliance;
mod audit_db;
mod baseline;
mod fleet;
mod golden;
mod hunt;
mod inventory;
mod live;
mod posture;
mod report;
mod rules;
mod scan;
mod scan_bad_input;
mod watch;
