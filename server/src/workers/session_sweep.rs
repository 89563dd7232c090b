//! Removes ended sessions and unfinished logins from the database every few
//! minutes. An ended session is already refused when it is presented; the
//! sweep keeps its row (and its ID token) from lingering.

use super::supervisor::{WorkerFailure, WorkerHandle, WorkerResult};
use crate::auth::sessions::Sessions;
use app::ssr::ports::Clock;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(300);

pub async fn run(
    sessions: Sessions,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
    health: WorkerHandle,
) -> WorkerResult {
    loop {
        match sessions.sweep(clock.now_ms()).await {
            Ok(removed) => {
                health.step_ok();
                if removed > 0 {
                    tracing::info!(removed, "swept ended sessions");
                }
            }
            Err(error) => {
                tracing::warn!("could not sweep ended sessions: {error:#}");
                health.step_failed(&WorkerFailure::new("a sweep failed", format!("{error:#}")));
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
    Ok(())
}
