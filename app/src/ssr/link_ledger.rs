//! The link ledger: which artefact links each person was handed for each
//! review, so that reloading a page does not write a new audit entry per
//! link (see [`crate::domain::artefact::window`]). Every link handed out is
//! still covered by an entry naming who, which object and until when: a
//! window's links all expire at its end, which is what its entries say.
//!
//! It also keeps the links themselves: a link signed for a window is handed
//! out again for the rest of it, since it expires at the window's end
//! whenever it was signed. Signing is local, but it runs the AWS SDK's whole
//! request pipeline, and on a reloaded review page it was the largest cost
//! after rendering (docs/benchmarks.md).
//!
//! The ledger is held in memory, per process. A restart (or a second
//! replica) only starts new windows, with new entries: what is lost is a
//! saving, never an entry. Concurrent loads of one page by one person wait
//! for each other, so one window is opened and audited once.

use super::ports::{ObjectError, StoreError};
use crate::domain::artefact::window::LinkWindow;
use moka::future::Cache;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

type Slot = Arc<Mutex<Option<LinkWindow>>>;

/// A link as signed: for whom, which object, saved under which name (when
/// downloaded), and the end of the window it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LinkKey {
    pub person: String,
    pub bucket: String,
    pub key: String,
    pub download_as: Option<String>,
    pub ends_at_ms: i64,
}

/// Windows by person (subject) and review, and the links signed in them.
pub struct LinkLedger {
    lifetime_ms: i64,
    windows: Cache<(String, String), Slot>,
    signed: Cache<LinkKey, String>,
}

/// Windows remembered at most; past it the least used are forgotten (their
/// next links open a new window, with new entries). A window names the
/// objects audited in it, so a generous count would be a lot of memory.
const MAX_WINDOWS: u64 = 20_000;

/// Bytes of signed links kept at most (a presigned URL is most of a
/// kilobyte); past it the least used are forgotten and signed again.
const SIGNED_LINK_BYTES: u64 = 16 * 1024 * 1024;

/// What a kept link costs, roughly: its key's text and the URL.
fn link_weight(link: &LinkKey, url: &str) -> u32 {
    let text = link.person.len()
        + link.bucket.len()
        + link.key.len()
        + link.download_as.as_ref().map_or(0, String::len)
        + url.len();
    u32::try_from(text + std::mem::size_of::<LinkKey>()).unwrap_or(u32::MAX)
}

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
            // A link outlives no window, and a window is at most one
            // lifetime long.
            signed: Cache::builder()
                .max_capacity(SIGNED_LINK_BYTES)
                .weigher(|link, url: &String| link_weight(link, url))
                .time_to_live(idle)
                .build(),
        }
    }

    /// The link for `link`: the one signed earlier in its window, or a new
    /// one from `sign`. A failure to sign is not kept.
    pub async fn signed<F, Fut>(&self, link: LinkKey, sign: F) -> Result<String, ObjectError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, ObjectError>>,
    {
        self.signed
            .try_get_with(link, sign())
            .await
            .map_err(|error| error.as_ref().clone())
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

    fn link(person: &str, ends_at_ms: i64) -> LinkKey {
        LinkKey {
            person: person.into(),
            bucket: "b".into(),
            key: "a.json".into(),
            download_as: None,
            ends_at_ms,
        }
    }

    /// Signs `link`, counting the signatures.
    async fn sign(ledger: &LinkLedger, link: LinkKey, signatures: &AtomicUsize) -> String {
        ledger
            .signed(link, || async {
                let n = signatures.fetch_add(1, Ordering::SeqCst);
                Ok(format!("https://s3.test/b/a.json?signature={n}"))
            })
            .await
            .expect("signed")
    }

    #[tokio::test]
    async fn a_window_hands_out_the_link_it_signed_first() {
        let ledger = LinkLedger::new(LIFETIME);
        let signatures = AtomicUsize::new(0);
        let first = sign(&ledger, link("ada", LIFETIME), &signatures).await;
        for _ in 0..5 {
            assert_eq!(
                sign(&ledger, link("ada", LIFETIME), &signatures).await,
                first
            );
        }
        assert_eq!(signatures.load(Ordering::SeqCst), 1);
        // A new window, another person, or a download: a link of its own.
        sign(&ledger, link("ada", 2 * LIFETIME), &signatures).await;
        sign(&ledger, link("bob", LIFETIME), &signatures).await;
        let download = LinkKey {
            download_as: Some("a.json".into()),
            ..link("ada", LIFETIME)
        };
        sign(&ledger, download, &signatures).await;
        assert_eq!(signatures.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn signed_links_are_kept_within_their_byte_budget() {
        let ledger = LinkLedger::new(LIFETIME);
        let url = format!("https://s3.test/b/a.json?{}", "x".repeat(900));
        let kept = 40_000;
        for n in 0..kept {
            let link = LinkKey {
                key: format!("{n}/a.json"),
                ..link("ada", LIFETIME)
            };
            ledger
                .signed(link, || async { Ok(url.clone()) })
                .await
                .expect("signed");
        }
        ledger.signed.run_pending_tasks().await;
        // About 38 MB were signed; what is kept stays within the budget.
        assert!(ledger.signed.weighted_size() <= SIGNED_LINK_BYTES);
        assert!(ledger.signed.entry_count() < kept);
    }

    #[tokio::test]
    async fn a_failed_signature_is_not_kept() {
        let ledger = LinkLedger::new(LIFETIME);
        let failed = ledger
            .signed(link("ada", LIFETIME), || async {
                Err(ObjectError::Unavailable("no credentials".into()))
            })
            .await;
        assert_eq!(
            failed,
            Err(ObjectError::Unavailable("no credentials".into()))
        );
        let signatures = AtomicUsize::new(0);
        sign(&ledger, link("ada", LIFETIME), &signatures).await;
        assert_eq!(signatures.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_record_marks_nothing() {
        let ledger = LinkLedger::new(LIFETIME);
        let failed = ledger
            .issue("ada", "review-1", &["s3://b/a"], 0, |_, _| async {
                Err(StoreError::Unavailable {
                    reason: "disk full",
                    source: "no space left on device".into(),
                })
            })
            .await;
        assert!(failed.is_err());
        let entries = AtomicUsize::new(0);
        issue(&ledger, "ada", &["s3://b/a"], 1_000, &entries).await;
        assert_eq!(entries.load(Ordering::SeqCst), 1);
    }
}
