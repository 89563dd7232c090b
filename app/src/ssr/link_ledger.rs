//! The link ledger: which artefact links each person was handed for each
//! review, so that reloading a page does not write a new audit entry per
//! link (see [`crate::domain::artefact::window`]). Every link handed out is
//! still covered by an entry naming who, which object and until when: a
//! window's links all expire at its end, which is what its entries say.
//!
//! The ledger is held in memory, per process. A restart (or a second
//! replica) only starts new windows, with new entries: what is lost is a
//! saving, never an entry. Concurrent loads of one page by one person wait
//! for each other, so one window is opened and audited once.

use super::ports::StoreError;
use crate::domain::artefact::window::LinkWindow;
use moka::future::Cache;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

type Slot = Arc<Mutex<Option<LinkWindow>>>;

/// Windows by person (subject) and review.
pub struct LinkLedger {
    lifetime_ms: i64,
    windows: Cache<(String, String), Slot>,
}

/// Windows remembered at most; past it the least used are forgotten (their
/// next links open a new window, with new entries).
const MAX_WINDOWS: u64 = 100_000;

impl LinkLedger {
    /// A ledger of windows as long as a link's lifetime.
    pub fn new(lifetime_ms: i64) -> Self {
        // A window left alone for its whole lifetime has ended, so idle
        // entries can go.
        let idle = Duration::from_millis(u64::try_from(lifetime_ms).unwrap_or(0).max(1_000));
        Self {
            lifetime_ms,
            windows: Cache::builder()
                .max_capacity(MAX_WINDOWS)
                .time_to_idle(idle)
                .build(),
        }
    }

    /// Links to `objects` for `person` on `review_id` at `now_ms`: returns
    /// when they expire (the window's end), once `record` has audited the
    /// objects not yet audited in the window, with that end. If `record`
    /// fails, nothing is marked audited and the error is returned: no
    /// entry, no link.
    pub async fn issue<F, Fut>(
        &self,
        person: &str,
        review_id: &str,
        objects: &[&str],
        now_ms: i64,
        record: F,
    ) -> Result<i64, StoreError>
    where
        F: FnOnce(Vec<String>, i64) -> Fut,
        Fut: Future<Output = Result<(), StoreError>>,
    {
        let slot = self
            .windows
            .get_with((person.to_owned(), review_id.to_owned()), async {
                Arc::new(Mutex::new(None))
            })
            .await;
        let mut current = slot.lock().await;
        let mut window = LinkWindow::at(current.as_ref(), now_ms, self.lifetime_ms);
        let due: Vec<String> = window
            .unaudited(objects)
            .into_iter()
            .map(str::to_owned)
            .collect();
        if !due.is_empty() {
            record(due.clone(), window.ends_at_ms).await?;
            window.audited.extend(due);
        }
        let ends_at_ms = window.ends_at_ms;
        *current = Some(window);
        Ok(ends_at_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const LIFETIME: i64 = 600_000;

    /// Issues links for `objects` and counts the entries recorded.
    async fn issue(
        ledger: &LinkLedger,
        person: &str,
        objects: &[&str],
        now_ms: i64,
        entries: &AtomicUsize,
    ) -> i64 {
        ledger
            .issue(person, "review-1", objects, now_ms, |due, _| async move {
                entries.fetch_add(due.len(), Ordering::SeqCst);
                Ok(())
            })
            .await
            .expect("issued")
    }

    #[tokio::test]
    async fn reloads_write_one_entry_per_object_and_person() {
        let ledger = LinkLedger::new(LIFETIME);
        let entries = AtomicUsize::new(0);
        let objects = ["s3://b/a", "s3://b/c"];
        let first = issue(&ledger, "ada", &objects, 0, &entries).await;
        assert_eq!(first, LIFETIME);
        for reload in 1..20 {
            let ends = issue(&ledger, "ada", &objects, reload * 1_000, &entries).await;
            assert_eq!(ends, first, "links of a window end with it");
        }
        assert_eq!(entries.load(Ordering::SeqCst), 2);
        // Another person has a window of their own.
        issue(&ledger, "bob", &objects, 5_000, &entries).await;
        assert_eq!(entries.load(Ordering::SeqCst), 4);
        // Near the window's end, a new one and new entries.
        let renewed = issue(&ledger, "ada", &objects, LIFETIME - 30_000, &entries).await;
        assert_eq!(renewed, 2 * LIFETIME - 30_000);
        assert_eq!(entries.load(Ordering::SeqCst), 6);
    }

    #[tokio::test]
    async fn concurrent_loads_open_one_window() {
        let ledger = LinkLedger::new(LIFETIME);
        let entries = AtomicUsize::new(0);
        let loads = (0..20).map(|_| issue(&ledger, "ada", &["s3://b/a"], 0, &entries));
        futures::future::join_all(loads).await;
        assert_eq!(entries.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_record_marks_nothing() {
        let ledger = LinkLedger::new(LIFETIME);
        let failed = ledger
            .issue("ada", "review-1", &["s3://b/a"], 0, |_, _| async {
                Err(StoreError("disk full".into()))
            })
            .await;
        assert!(failed.is_err());
        let entries = AtomicUsize::new(0);
        issue(&ledger, "ada", &["s3://b/a"], 1_000, &entries).await;
        assert_eq!(entries.load(Ordering::SeqCst), 1);
    }
}
