//! Walking the audit chain page by page, whichever engine reads the pages:
//! a million entries need no more memory than a few thousand.

use crate::db::rows::AuditRow;
use app::domain::audit::{verify as verify_entries, Broken, StoredEntry};
use std::future::Future;

/// Entries read per page while verifying.
pub(crate) const PAGE: i64 = 5_000;

/// Verifies the chain from `start` (its first entry's expected previous
/// hash, or why it cannot start), reading the entries after an id with
/// `page_after`; returns how many entries were checked, or the first that
/// breaks the chain.
pub(crate) async fn verify_in_pages<F, Fut>(
    start: Result<String, Broken>,
    mut page_after: F,
) -> anyhow::Result<Result<usize, Broken>>
where
    F: FnMut(i64) -> Fut,
    Fut: Future<Output = anyhow::Result<Vec<AuditRow>>>,
{
    let mut previous = match start {
        Ok(start) => start,
        Err(broken) => return Ok(Err(broken)),
    };
    let mut after_id = 0_i64;
    let mut checked = 0;
    loop {
        let rows = page_after(after_id).await?;
        let Some(last) = rows.last() else {
            return Ok(Ok(checked));
        };
        after_id = last.id;
        let entries: Vec<StoredEntry> = rows.into_iter().map(AuditRow::into_entry).collect();
        match verify_entries(&previous, &entries) {
            Ok(count) => checked += count,
            Err(broken) => return Ok(Err(broken)),
        }
        previous = entries.last().map(|e| e.hash.clone()).unwrap_or(previous);
    }
}
