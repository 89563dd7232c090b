//! The notification worker: routes new events and sends what is due from
//! the notification outbox, every interval and as soon as the change feed
//! reports a review changed (an arrival, a decision, an expiry: the events
//! that notify), so a message does not wait out the interval. It runs only
//! when something can be notified (a `[[notify.route]]`, or e-mail for
//! requesters).

use super::changes::Changes;
use super::supervisor::{WorkerFailure, WorkerHandle, WorkerResult};
use app::ssr::notifications::Notifier;
use app::ssr::Services;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Events routed and notifications claimed per sweep.
const BATCH: u32 = 50;

pub async fn run(
    services: Services,
    notifier: Notifier,
    interval: Duration,
    mut changes: broadcast::Receiver<Changes>,
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
            () = changed(&mut changes) => {}
        }
    }
    tracing::info!("notification worker stopped");
    Ok(())
}

/// Returns when the change feed has news: a batch, or batches missed
/// (the sweep reads the outbox, not the feed, so missing some is harmless).
/// Once the feed is gone it never returns, and the interval alone paces
/// the worker.
async fn changed(changes: &mut broadcast::Receiver<Changes>) {
    match changes.recv().await {
        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
        Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
    }
}
