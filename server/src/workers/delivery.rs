//! The delivery worker: sends what is due in the outbox every interval.
//! Decisions are first tried at once by the request that made them; this
//! loop retries failures (with the backoff the outbox rows carry) and picks
//! up whatever a crash or restart left behind.

use super::supervisor::{WorkerFailure, WorkerHandle, WorkerResult};
use app::ssr::Services;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Deliveries claimed per sweep.
const BATCH: u32 = 20;

pub async fn run(
    services: Services,
    interval: Duration,
    shutdown: CancellationToken,
    health: WorkerHandle,
) -> WorkerResult {
    loop {
        match services.deliver_due(BATCH).await {
            Ok(report) => {
                health.step_ok();
                if report.delivered + report.closed + report.failed + report.retrying > 0 {
                    tracing::info!(
                        delivered = report.delivered,
                        closed = report.closed,
                        failed = report.failed,
                        retrying = report.retrying,
                        "delivery sweep"
                    );
                }
            }
            Err(error) => {
                tracing::error!("delivery sweep failed: {error}");
                health.step_failed(&WorkerFailure::new("a sweep failed", error));
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("delivery worker stopped");
    Ok(())
}
