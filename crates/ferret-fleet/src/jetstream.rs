//! What the publisher and the consumer share on the NATS side: connecting
//! with a bounded wait, and making sure the findings stream exists.

use crate::subject::all_hosts;
use crate::FleetError;
use async_nats::jetstream::{self, stream};
use std::time::Duration;

/// How long the server deduplicates a republished `Nats-Msg-Id`.
pub(crate) const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// The longest pause between two attempts to reconnect a lost connection.
pub(crate) const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// The pause before reconnection attempt `attempts` (1 for the first):
/// none, then 50 ms doubling to [`MAX_RECONNECT_DELAY`]. (The async-nats
/// default grows to 4 s.)
pub(crate) fn reconnect_delay(attempts: usize) -> Duration {
    if attempts <= 1 {
        return Duration::ZERO;
    }
    let doublings = u32::try_from(attempts - 2).unwrap_or(u32::MAX).min(10);
    Duration::from_millis(50u64 << doublings).min(MAX_RECONNECT_DELAY)
}

/// Connects to `url` (already validated), giving up after `timeout`. A
/// connection lost later is reconnected in the background, retrying at
/// least every [`MAX_RECONNECT_DELAY`] (plus the attempt itself).
pub(crate) async fn connect(
    url: &str,
    timeout: Duration,
) -> Result<async_nats::Client, FleetError> {
    let opts = async_nats::ConnectOptions::new()
        .name("ferret")
        .connection_timeout(timeout)
        .request_timeout(Some(timeout.max(Duration::from_secs(5))))
        .reconnect_delay_callback(reconnect_delay);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_delay_is_short_and_bounded() {
        assert_eq!(reconnect_delay(0), Duration::ZERO);
        assert_eq!(reconnect_delay(1), Duration::ZERO);
        assert_eq!(reconnect_delay(2), Duration::from_millis(50));
        assert_eq!(reconnect_delay(3), Duration::from_millis(100));
        assert!(reconnect_delay(6) < MAX_RECONNECT_DELAY);
        for n in [7, 8, 100, usize::MAX] {
            assert_eq!(reconnect_delay(n), MAX_RECONNECT_DELAY, "{n}");
        }
    }
}
