//! Web-log analysis (being written).
