//! Integration tests: the real `ferret` binary on temporary trees.

mod util;

mod audit_db;
mod golden;
mod hunt;
mod inventory;
mod rules;
mod scan;
mod scan_bad_input;
