//! The workflow's clock, once a second: expire overdue reviews, send due
//! heartbeats, and check a few pending reviews against their executions
//! (rate-limited: Step Functions allows `DescribeExecution` 15 times a
//! second for a whole account, shared with everything else in it).

use super::supervisor::{WorkerFailure, WorkerHandle, WorkerResult};
use app::ssr::Services;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const TICK: Duration = Duration::from_secs(1);

pub async fn run(
    services: Services,
    checks_per_tick: u32,
    recheck_after: Duration,
    shutdown: CancellationToken,
    health: WorkerHandle,
) -> WorkerResult {
    let recheck_after_ms = i64::try_from(recheck_after.as_millis()).unwrap_or(i64::MAX);
    loop {
        match services.tick(checks_per_tick, recheck_after_ms).await {
            Ok(report) => {
                health.step_ok();
                if report.expired + report.closed > 0 {
                    tracing::info!(
                        expired = report.expired,
                        closed = report.closed,
                        "reviews left the queue"
                    );
                }
            }
            Err(error) => {
                tracing::error!("clock tick failed: {error}");
                health.step_failed(&WorkerFailure::new("a tick failed", error));
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(TICK) => {}
        }
    }
    tracing::info!("clock worker stopped");
    Ok(())
}
