//! The watch daemon: watches component locations (inotify through `notify`),
//! judges each created or modified file and re-reads each changed server
//! configuration at once, tails web and audit logs through the hunt engine,
//! and keeps its offsets and what it has seen in the store so that a restart
//! neither loses nor repeats findings.
