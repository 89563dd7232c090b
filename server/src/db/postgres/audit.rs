//! PostgreSQL: appending to the audit chain and reading it (pages, a
//! review's history, the changes live pages follow), and the models and
//! groups the filters' pickers offer.

use super::indexed_sql::{KNOWN_GROUPS, KNOWN_MODELS, REVIEW_CHANGES_AFTER};
use super::PostgresStore;
use crate::db::rows::AuditRow;
use crate::db::sqlx_error::store_error;
use crate::db::text_keys::actions_where;
use crate::db::{AuditChain, Pruned};
use app::domain::audit::Broken;
use app::domain::audit_filter::AuditFilter;
use app::domain::history::{HistoryEntry, ReviewChange};
use app::ssr::ports::{AuditListing, AuditRecord, KnownValues, StoreError};
use async_trait::async_trait;
use sqlx::Postgres;
use std::path::Path;
use std::sync::LazyLock;

/// A review's history: its entries but those of actions a history does not
/// show.
static HISTORY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select at, actor, action, detail from audit_entry where review_id = $1 and action not in ({}) order by id",
        actions_where(|action| !action.shown_in_history())
    )
});

impl PostgresStore {
    pub(super) async fn last_audit_id(&self) -> Result<i64, StoreError> {
        let (id,): (i64,) = sqlx::query_as("select coalesce(max(id), 0) from audit_entry")
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(id)
    }

    pub(super) async fn review_changes_after(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<ReviewChange>, StoreError> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(REVIEW_CHANGES_AFTER.as_str())
            .bind(after_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(cursor, review_id, action)| ReviewChange {
                cursor,
                review_id,
                action,
            })
            .collect())
    }

    pub(super) async fn audit_entries(
        &self,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditListing>, StoreError> {
        let known_actor = match &filter.actor {
            Some(person) => {
                let (known,): (bool,) = sqlx::query_as(super::audit_query::KNOWN_ACTOR)
                    .bind(person)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(store_error)?;
                known
            }
            None => false,
        };
        let mut query = super::audit_query::page_query(filter, before_id, limit, known_actor);
        let rows: Vec<AuditRow> = query
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(rows.into_iter().map(AuditRow::into_listing).collect())
    }

    pub(super) async fn known_values(&self, limit: u32) -> Result<KnownValues, StoreError> {
        let mut lists = Vec::with_capacity(2);
        for sql in [KNOWN_MODELS.as_str(), KNOWN_GROUPS.as_str()] {
            let rows: Vec<(String,)> = sqlx::query_as(sql)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
            lists.push(rows.into_iter().map(|(name,)| name).collect::<Vec<_>>());
        }
        let groups = lists.pop().unwrap_or_default();
        let models = lists.pop().unwrap_or_default();
        Ok(KnownValues { models, groups })
    }

    pub(super) async fn history(&self, review_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(HISTORY.as_str())
            .bind(review_id)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(at_ms, actor, action, detail)| HistoryEntry {
                at_ms,
                actor,
                action,
                detail,
            })
            .collect())
    }

    pub(super) async fn record(&self, entry: &AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        super::audit_log::append(&mut tx, entry, None).await?;
        tx.commit().await.map_err(store_error)
    }

    pub(super) async fn record_all(&self, entries: &[AuditRecord]) -> Result<(), StoreError> {
        self.append_audit_batch(entries).await
    }

    pub(super) async fn record_unless_recent(
        &self,
        entry: &AuditRecord,
        window_ms: i64,
    ) -> Result<(), StoreError> {
        // Most calls find a recent entry: answer those without the lock.
        if has_recent_entry(&self.pool, entry, window_ms).await? {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        // Again under the chain's lock: another replica may have just
        // appended it.
        super::audit_log::lock_chain(&mut tx).await?;
        if !has_recent_entry(&mut *tx, entry, window_ms).await? {
            super::audit_log::append(&mut tx, entry, None).await?;
        }
        tx.commit().await.map_err(store_error)
    }
}

/// Whether an entry like `entry` (same action, review and actor) was
/// appended within the last `window_ms` (along the review's index).
async fn has_recent_entry<'e, E>(
    executor: E,
    entry: &AuditRecord,
    window_ms: i64,
) -> Result<bool, StoreError>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    // `review_id = $1` rather than `is not distinct from`, which no index
    // serves; `$1` then stands for nothing when there is no review.
    let review = if entry.review_id.is_some() {
        "review_id = $1"
    } else {
        "review_id is null and $1::text is null"
    };
    let (recent,): (bool,) = sqlx::query_as(&format!(
        "select exists (select 1 from audit_entry
         where {review} and action = $2
           and actor_subject is not distinct from $3 and at > $4)"
    ))
    .bind(&entry.review_id)
    .bind(&entry.action)
    .bind(&entry.actor_subject)
    .bind(entry.at_ms - window_ms)
    .fetch_one(executor)
    .await
    .map_err(store_error)?;
    Ok(recent)
}

#[async_trait]
impl AuditChain for PostgresStore {
    async fn verify(&self) -> anyhow::Result<Result<usize, Broken>> {
        super::audit_log::verify(&self.pool).await
    }

    async fn export_and_prune(
        &self,
        before_ms: i64,
        out: &Path,
        now_ms: i64,
    ) -> anyhow::Result<Option<Pruned>> {
        super::audit_log::export_and_prune(&self.pool, before_ms, out, now_ms).await
    }
}
