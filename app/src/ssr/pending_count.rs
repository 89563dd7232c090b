//! The pending count every queue page shows ("100000 pending"), remembered
//! between pages. Counting 100,000 reviews takes milliseconds; done by
//! every page it was most of the page's cost, and done by every page that
//! arrived just after the remembered count went stale (all of a second's
//! concurrent pages at once) it set the queue's p99. So a stale count is
//! shown while one background count replaces it, and a page waits for a
//! count only when none is known or the known one is too old to show. The
//! store only counts; this rule is the same whatever the store.

use super::ports::{ReviewStore, StoreError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A count younger than this is shown as it is.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// A count older than this is not shown at all: the page counts again
/// (after an idle spell, say, when no page kept the count fresh).
pub const SHOWN_FOR: Duration = Duration::from_secs(10);

/// What a page does about the pending count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Show this count.
    Show(u64),
    /// Show this count and count again in the background: this page is the
    /// one that refreshes it, the pages after it keep showing it meanwhile.
    ShowAndRecount(u64),
    /// Count now and wait for the answer.
    CountNow,
}

/// The last count and whether a background count is under way.
#[derive(Debug, Default)]
pub struct RememberedCount {
    counted: Option<(Instant, u64)>,
    recounting: bool,
}

impl RememberedCount {
    /// What the page arriving at `now` does; claims the background count
    /// when it hands one out, so only one runs at a time.
    pub fn plan(&mut self, now: Instant) -> Plan {
        let Some((at, count)) = self.counted else {
            return Plan::CountNow;
        };
        let age = now.saturating_duration_since(at);
        if age < FRESH_FOR || (age < SHOWN_FOR && self.recounting) {
            Plan::Show(count)
        } else if age < SHOWN_FOR {
            self.recounting = true;
            Plan::ShowAndRecount(count)
        } else {
            Plan::CountNow
        }
    }

    /// Remembers a count made at `at` (by a page or in the background).
    pub fn counted(&mut self, at: Instant, count: u64) {
        // A slow count must not replace a newer one.
        if self.counted.is_none_or(|(known, _)| known <= at) {
            self.counted = Some((at, count));
        }
        self.recounting = false;
    }

    /// A background count failed: the next page may try again.
    pub fn recount_failed(&mut self) {
        self.recounting = false;
    }
}

/// The pending count the queue pages share: [`RememberedCount`] kept
/// between pages, over the store's plain count.
#[derive(Debug, Default)]
pub struct PendingCount {
    remembered: Mutex<RememberedCount>,
}

impl PendingCount {
    /// The count a page arriving now shows: remembered, refreshed in the
    /// background, or counted now, as [`RememberedCount::plan`] says.
    pub async fn get(
        self: &Arc<Self>,
        store: &Arc<dyn ReviewStore>,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        self.get_at(store, now_ms, Instant::now()).await
    }

    /// [`Self::get`] for a page arriving at `arrived` (tests choose it).
    pub async fn get_at(
        self: &Arc<Self>,
        store: &Arc<dyn ReviewStore>,
        now_ms: i64,
        arrived: Instant,
    ) -> Result<u64, StoreError> {
        let plan = self.remembered().plan(arrived);
        match plan {
            Plan::Show(count) => Ok(count),
            Plan::ShowAndRecount(count) => {
                let (pending, store) = (self.clone(), store.clone());
                tokio::spawn(async move {
                    if let Err(error) = pending.count(&store, now_ms).await {
                        pending.remembered().recount_failed();
                        tracing::warn!("could not count the pending reviews: {error}");
                    }
                });
                Ok(count)
            }
            Plan::CountNow => self.count(store, now_ms).await,
        }
    }

    /// Counts the reviews still waiting at `now_ms` and remembers the count.
    async fn count(&self, store: &Arc<dyn ReviewStore>, now_ms: i64) -> Result<u64, StoreError> {
        let started = Instant::now();
        let count = store.pending_count(now_ms).await?;
        self.remembered().counted(started, count);
        Ok(count)
    }

    fn remembered(&self) -> MutexGuard<'_, RememberedCount> {
        self.remembered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remembered_at(start: Instant, count: u64) -> RememberedCount {
        let mut remembered = RememberedCount::default();
        remembered.counted(start, count);
        remembered
    }

    #[test]
    fn nothing_known_means_counting_now() {
        assert_eq!(
            RememberedCount::default().plan(Instant::now()),
            Plan::CountNow
        );
    }

    #[test]
    fn a_fresh_count_is_shown() {
        let start = Instant::now();
        let mut remembered = remembered_at(start, 7);
        assert_eq!(
            remembered.plan(start + Duration::from_millis(999)),
            Plan::Show(7)
        );
    }

    #[test]
    fn a_stale_count_is_shown_while_one_page_recounts() {
        let start = Instant::now();
        let mut remembered = remembered_at(start, 7);
        let later = start + Duration::from_secs(2);
        assert_eq!(remembered.plan(later), Plan::ShowAndRecount(7));
        // Every page after it shows the stale count without counting.
        assert_eq!(remembered.plan(later), Plan::Show(7));
        assert_eq!(remembered.plan(later), Plan::Show(7));
        remembered.counted(later, 9);
        assert_eq!(remembered.plan(later), Plan::Show(9));
    }

    #[test]
    fn a_failed_recount_lets_the_next_page_try_again() {
        let start = Instant::now();
        let mut remembered = remembered_at(start, 7);
        let later = start + Duration::from_secs(2);
        assert_eq!(remembered.plan(later), Plan::ShowAndRecount(7));
        remembered.recount_failed();
        assert_eq!(remembered.plan(later), Plan::ShowAndRecount(7));
    }

    #[test]
    fn a_count_too_old_to_show_is_counted_again_by_the_page() {
        let start = Instant::now();
        let mut remembered = remembered_at(start, 7);
        assert_eq!(remembered.plan(start + SHOWN_FOR), Plan::CountNow);
    }

    #[test]
    fn a_slow_count_does_not_replace_a_newer_one() {
        let start = Instant::now();
        let mut remembered = remembered_at(start + Duration::from_secs(3), 9);
        remembered.counted(start, 7);
        assert_eq!(
            remembered.plan(start + Duration::from_secs(3)),
            Plan::Show(9)
        );
    }
}
