//! The change feed behind live pages: whenever the database may have new
//! audit entries ([`ChangeSignal`]: at once on PostgreSQL, every half
//! second on SQLite), those that change a review (received, decided,
//! delivered, closed, expired) are read from the database after the
//! feed's cursor and broadcast to the open event streams. Reading the log
//! rather than hooking the writers means replicas sharing a database see
//! each other's changes too; entries are committed in id order (SQLite
//! writes one at a time, PostgreSQL appends under one lock), so the cursor
//! never passes an entry that commits later.

use super::supervisor::{WorkerFailure, WorkerHandle, WorkerResult};
use crate::db::change_signal::ChangeSignal;
use app::domain::history::ReviewChange;
use app::ssr::ports::ReviewStore;
use std::sync::Arc;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Entries read per poll; a burst larger than this is read over several.
const BATCH: u32 = 500;

/// A batch of changes, as one event: pages refetch once per batch.
pub type Changes = Arc<Vec<ReviewChange>>;

pub async fn run(
    store: Arc<dyn ReviewStore>,
    signal: Arc<dyn ChangeSignal>,
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
            () = signal.changed() => {}
        }
    }
    Ok(())
}
