//! Ferret's fleet pipeline, on existing engines: every command can publish its
//! findings to a NATS JetStream stream (one subject per host, publish
//! acknowledgements awaited, a local spool for what could not be sent);
//! `ferret fleet ingest` is a durable JetStream consumer that stores findings
//! and incidents in PostgreSQL, acknowledging only after commit; `ferret fleet
//! report` is the cross-host view (one web shell on many hosts is one campaign).

mod error;
pub mod ingest;
mod jetstream;
mod pg;
pub mod publish;
pub mod report;
mod schema;
pub mod spool;
pub mod subject;
pub mod testdata;

pub use error::FleetError;
pub use ingest::{ingest, IngestConfig, IngestStats, StopHandle};
pub use publish::{PublishSummary, Publisher, SinkConfig};
pub use report::{fleet_report, Campaign, FleetReport, HostSummary, ReportQuery, Totals};
