//! What the publisher and the consumer share on the NATS side: connecting
//! with a bounded wait, and making sure the findings stream exists.

use crate::subject::all_hosts;
use crate::FleetError;
use async_nats::jetstream::{self, stream};
use std::time::Duration;

/// How long the server deduplicates a republished `Nats-Msg-Id`.
pub(crate) const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// Connects to `url` (already validated), giving up after `timeout`.
pub(crate) async fn connect(
    url: &str,
    timeout: Duration,
) -> Result<async_nats::Client, FleetError> {
    let opts = async_nats::ConnectOptions::new()
        .name("ferret")
        .connection_timeout(timeout)
        .request_timeout(Some(timeout.max(Duration::from_secs(5))));
    match tokio::time::timeout(timeout, opts.connect(url)).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(FleetError::nats(format!("connecting to {url}"), e)),
        Err(_) => Err(FleetError::nats(
            format!("connecting to {url}"),
            format!("no answer within {} ms", timeout.as_millis()),
        )),
    }
}

/// A JetStream context whose API requests and acks wait at most `timeout`.
pub(crate) fn context(client: async_nats::Client, timeout: Duration) -> jetstream::Context {
    jetstream::ContextBuilder::new()
        .timeout(timeout)
        .max_ack_inflight(4096)
        .backpressure_on_inflight(true)
        .build(client)
}

/// Makes sure stream `name` exists and holds `{prefix}.>`: creates it when
/// absent (file storage, 2-minute duplicate window); an existing stream with
/// other subjects is an error rather than silently published past.
pub(crate) async fn ensure_stream(
    js: &jetstream::Context,
    name: &str,
    prefix: &str,
) -> Result<stream::Stream, FleetError> {
    let wanted = all_hosts(prefix);
    let cfg = stream::Config {
        name: name.to_owned(),
        subjects: vec![wanted.clone()],
        storage: stream::StorageType::File,
        duplicate_window: DUPLICATE_WINDOW,
        description: Some("Ferret findings, one subject per host".into()),
        ..Default::default()
    };
    let mut s = js
        .get_or_create_stream(cfg)
        .await
        .map_err(|e| FleetError::nats(format!("creating or opening stream {name}"), e))?;
    let info = s
        .info()
        .await
        .map_err(|e| FleetError::nats(format!("reading stream {name}"), e))?;
    if !info.config.subjects.contains(&wanted) {
        return Err(FleetError::Config(format!(
            "stream {name} exists but holds subjects {:?}, not {wanted:?}: choose another stream name or subject prefix",
            info.config.subjects
        )));
    }
    Ok(s)
}
