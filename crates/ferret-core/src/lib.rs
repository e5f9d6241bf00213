//! Ferret's core types: what every source, analyzer and printer shares.
//!
//! This crate does no I/O, spawns no threads and knows no command line. It holds
//! the finding contract (`Finding`, `Evidence`, `Subject`), the ATT&CK vocabulary
//! (`Technique`, `Mitigation`), the grading scales (`Severity`, `Confidence`) and
//! the escaping every printer applies to attacker-controlled text.

mod baseline;
mod component;
mod dbobject;
mod entropy;
mod escape;
mod event;
mod finding;
mod language;
mod severity;
mod technique;

pub use baseline::{ChangeKind, FileMeta, Item, ItemKind};
pub use component::{
    Component, ComponentFacts, ComponentKind, Declaration, ImageSignature, LogTell, PackageStatus,
    Server,
};
pub use dbobject::{DbObject, Engine, ObjectKind, MAX_DEFINITION};
pub use entropy::entropy;
pub use escape::{escape_bytes, escape_controls, escape_path, escape_str};
pub use event::{Event, EventJsonError, EventSource, Fields, LogFormat, Timestamp, Value};
pub use finding::{
    stable_id, ComponentSubject, DbObjectSubject, Escaped, EventSubject, Evidence, EvidenceSource,
    FileSubject, Finding, ProcessNode, ProcessSubject, Subject,
};
pub use language::Language;
pub use severity::{Confidence, ParseSeverityError, Severity};
pub use technique::{Mitigation, ParseTechniqueError, Technique};
