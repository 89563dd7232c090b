//! Removes ended sessions and unfinished logins from the database every few
//! minutes. An ended session is already refused when it is presented; the
//! sweep keeps its row (and its ID token) from lingering.

use crate::auth::sessions::SessionStore;
use app::ssr::ports::Clock;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(300);

pub async fn run(sessions: SessionStore, clock: Arc<dyn Clock>, shutdown: CancellationToken) {
    loop {
        match sessions.sweep(clock.now_ms()).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "swept ended sessions"),
            Err(error) => tracing::warn!("could not sweep ended sessions: {error:#}"),
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}
