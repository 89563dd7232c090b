//! The notification worker: routes new events and sends what is due from
//! the notification outbox, every interval. It runs only when something can
//! be notified (a `[[notify.route]]`, or e-mail for requesters).

use super::supervisor::{WorkerFailure, WorkerHandle, WorkerResult};
use app::ssr::notifications::Notifier;
use app::ssr::Services;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Events routed and notifications claimed per sweep.
const BATCH: u32 = 50;

pub async fn run(
    services: Services,
    notifier: Notifier,
    interval: Duration,
    shutdown: CancellationToken,
    health: WorkerHandle,
) -> WorkerResult {
    loop {
        match services.notify_due(&notifier, BATCH).await {
            Ok(report) => {
                health.step_ok();
                if !report.is_empty() {
                    tracing::info!(
                        routed = report.routed,
                        sent = report.sent,
                        retrying = report.retrying,
                        failed = report.failed,
                        "notification sweep"
                    );
                }
            }
            Err(error) => {
                tracing::error!("notification sweep failed: {error}");
                health.step_failed(&WorkerFailure::new("a sweep failed", error));
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("notification worker stopped");
    Ok(())
}
