//! The change feed behind live pages: every half second, the audit entries
//! that change a review (received, decided, delivered, closed, expired) are
//! read from the database and broadcast to the open event streams. Reading
//! the log rather than hooking the writers means replicas sharing a
//! database see each other's changes too.

use super::supervisor::{WorkerFailure, WorkerHandle, WorkerResult};
use app::domain::history::ReviewChange;
use app::ssr::ports::ReviewStore;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

const POLL: Duration = Duration::from_millis(500);
/// Entries read per poll; a burst larger than this is read over several.
const BATCH: u32 = 500;

/// A batch of changes, as one event: pages refetch once per batch.
pub type Changes = Arc<Vec<ReviewChange>>;

pub async fn run(
    store: Arc<dyn ReviewStore>,
    sender: broadcast::Sender<Changes>,
    shutdown: CancellationToken,
    health: WorkerHandle,
) -> WorkerResult {
    // Where the feed starts; the supervisor tries again if it cannot tell.
    let mut after = store
        .last_audit_id()
        .await
        .map_err(|error| WorkerFailure::new("could not read where the log ends", error))?;
    loop {
        match store.review_changes_after(after, BATCH).await {
            Ok(changes) => {
                health.step_ok();
                if let Some(last) = changes.last() {
                    after = last.cursor;
                    // No receivers (nobody has a page open) is not an error.
                    let _ = sender.send(Arc::new(changes));
                }
            }
            Err(error) => {
                tracing::warn!("reading changes failed: {error}");
                health.step_failed(&WorkerFailure::new("reading changes failed", error));
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(POLL) => {}
        }
    }
    Ok(())
}
