//! The delivery worker: sends what is due in the outbox every interval.
//! Decisions are first tried at once by the request that made them; this
//! loop retries failures (with the backoff the outbox rows carry) and picks
//! up whatever a crash or restart left behind.

use app::ssr::Services;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Deliveries claimed per sweep.
const BATCH: u32 = 20;

pub async fn run(services: Services, interval: Duration, shutdown: CancellationToken) {
    loop {
        match services.deliver_due(BATCH).await {
            Ok(report) if report.delivered + report.closed + report.retrying > 0 => {
                tracing::info!(
                    delivered = report.delivered,
                    closed = report.closed,
                    retrying = report.retrying,
                    "delivery sweep"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::error!("delivery sweep failed: {error}"),
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("delivery worker stopped");
}
