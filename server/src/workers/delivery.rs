//! The delivery worker: sends what is due in the outbox every interval.
//! Decisions are first tried at once by the request that made them; this
//! loop retries failures (with the backoff the outbox rows carry) and picks
//! up whatever a crash or restart left behind. Each round first notices the
//! deliveries queued longer than `[notify] stuck_after_minutes`: a read of
//! the database, before the sends, so an unresponsive Step Functions (each
//! attempt may wait its 10 s timeout) delays the notice by one round at most.

use super::supervisor::{WorkerFailure, WorkerHandle, WorkerResult};
use app::ssr::Services;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Deliveries claimed per sweep.
const BATCH: u32 = 20;
/// Stuck deliveries noticed per round.
const STUCK_BATCH: u32 = 50;

pub async fn run(
    services: Services,
    interval: Duration,
    stuck_after: Duration,
    shutdown: CancellationToken,
    health: WorkerHandle,
) -> WorkerResult {
    let stuck_after_ms = i64::try_from(stuck_after.as_millis()).unwrap_or(i64::MAX);
    loop {
        let noticed = services
            .notice_stuck_deliveries(stuck_after_ms, STUCK_BATCH)
            .await;
        match (noticed, services.deliver_due(BATCH).await) {
            (Ok(stuck), Ok(report)) => {
                health.step_ok();
                if stuck + report.delivered + report.closed + report.failed + report.retrying > 0 {
                    tracing::info!(
                        delivered = report.delivered,
                        closed = report.closed,
                        failed = report.failed,
                        retrying = report.retrying,
                        stuck,
                        "delivery sweep"
                    );
                }
            }
            (Err(error), _) | (_, Err(error)) => {
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
