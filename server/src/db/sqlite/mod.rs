//! The review store on SQLite: one file, WAL mode, writes serialised by
//! `BEGIN IMMEDIATE` so concurrent deciders queue instead of failing.

mod audit;
pub mod audit_log;
mod audit_query;
mod decisions;
mod delivery;
mod indexed_sql;
mod interactions;
mod notifications;
mod overview;
mod people;
#[cfg(test)]
mod query_plans;
mod queue;
mod queue_query;
mod rejected;
mod reviews;
mod rows;
mod sessions;

pub use sessions::SqliteSessions;

use crate::db::sqlx_error::store_error;
use app::domain::audit_filter::AuditFilter;
use app::domain::history::{HistoryEntry, ReviewChange};
use app::domain::overview_stats::{Decided, OverviewFilter};
use app::domain::queue_query::QueueQuery;
use app::domain::rejected_intake::RejectedIntake as RejectedIntakeView;
use app::ssr::ports::{
    AuditListing, AuditRecord, Closing, Committed, DecisionCommit, DeliveryJob, DeliveryOutcome,
    HeartbeatJob, Inserted, KnownValues, NewRejectedIntake, NewReview, QueueRow,
    RejectedIntakeStatus, ReviewStore, StoreError, StoredReview, StuckDelivery, WithdrawalCommit,
};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// The review store backed by a SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// Connections in the pool. Each is a thread of its own with its own page
/// cache; SQLite serialises writes anyway, and reads are short. Measured on
/// 2 cores at 100,000 pending reviews (docs/benchmarks.md): 8 connections
/// gave a queue p99 of 16 ms and a peak RSS of 124 MiB, 4 gave 13 ms and
/// 80 MiB.
const CONNECTIONS: u32 = 4;

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and migrates it.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        audit_log::seal_and_protect(&pool).await?;
        reviews::backfill_failing_thresholds(&pool).await?;
        Ok(Self { pool })
    }

    /// The connection pool: for the session rows, the benchmark's seeding
    /// and SQLite's own tests (query plans, trigger tampering).
    pub fn pool(&self) -> SqlitePool {
        self.pool.clone()
    }

    /// Appends many entries to the audit chain in one transaction: for
    /// importing history and for seeding the benchmark's million entries,
    /// where one transaction per entry would take minutes.
    pub async fn append_audit_batch(&self, entries: &[AuditRecord]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        for entry in entries {
            audit_log::append(&mut tx, entry, None).await?;
        }
        tx.commit().await.map_err(store_error)
    }

    /// A write transaction that takes SQLite's write lock up front, so two
    /// writers wait for each other rather than deadlocking on upgrade.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)
    }
}

// The port, method by method: each forwards to the inherent method of the
// same name in the module of its concern (reviews, decisions, delivery,
// audit, queue, rejected).
#[async_trait]
impl ReviewStore for SqliteStore {
    async fn insert_review(
        &self,
        review: &NewReview,
        audit: &AuditRecord,
    ) -> Result<Inserted, StoreError> {
        SqliteStore::insert_review(self, review, audit).await
    }

    async fn record_rejected_intake(
        &self,
        intake: &NewRejectedIntake,
        audit: &AuditRecord,
    ) -> Result<RejectedIntakeStatus, StoreError> {
        SqliteStore::record_rejected_intake(self, intake, audit).await
    }

    async fn mark_intake_notified(&self, id: &str) -> Result<(), StoreError> {
        SqliteStore::mark_intake_notified(self, id).await
    }

    async fn rejected_intake(&self, limit: u32) -> Result<Vec<RejectedIntakeView>, StoreError> {
        SqliteStore::rejected_intake(self, limit).await
    }

    async fn queue_page(
        &self,
        query: &QueueQuery,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<QueueRow>, StoreError> {
        SqliteStore::queue_page(self, query, now_ms, limit).await
    }

    async fn queue_titles(
        &self,
        query: &QueueQuery,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        SqliteStore::queue_titles(self, query, now_ms, limit).await
    }

    async fn last_audit_id(&self) -> Result<i64, StoreError> {
        SqliteStore::last_audit_id(self).await
    }

    async fn review_changes_after(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<ReviewChange>, StoreError> {
        SqliteStore::review_changes_after(self, after_id, limit).await
    }

    async fn pending_count(&self, now_ms: i64) -> Result<u64, StoreError> {
        SqliteStore::pending_count(self, now_ms).await
    }

    async fn review(&self, id: &str) -> Result<Option<StoredReview>, StoreError> {
        SqliteStore::review(self, id).await
    }

    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditListing>, StoreError> {
        SqliteStore::audit_entries(self, filter, before_id, limit).await
    }

    async fn known_values(&self, limit: u32) -> Result<KnownValues, StoreError> {
        SqliteStore::known_values(self, limit).await
    }

    async fn history(&self, review_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        SqliteStore::history(self, review_id).await
    }

    async fn commit_decision(&self, commit: &DecisionCommit) -> Result<Committed, StoreError> {
        SqliteStore::commit_decision(self, commit).await
    }

    async fn withdraw_approval(&self, commit: &WithdrawalCommit) -> Result<bool, StoreError> {
        SqliteStore::withdraw_approval(self, commit).await
    }

    async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryJob>, StoreError> {
        SqliteStore::claim_deliveries(self, now_ms, lease_ms, limit).await
    }

    async fn finish_delivery(
        &self,
        review_id: &str,
        outcome: &DeliveryOutcome,
        now_ms: i64,
        audit: Option<&AuditRecord>,
    ) -> Result<(), StoreError> {
        SqliteStore::finish_delivery(self, review_id, outcome, now_ms, audit).await
    }

    async fn stuck_deliveries(
        &self,
        queued_before_ms: i64,
        limit: u32,
    ) -> Result<Vec<StuckDelivery>, StoreError> {
        SqliteStore::stuck_deliveries(self, queued_before_ms, limit).await
    }

    async fn notice_stuck_delivery(
        &self,
        review_id: &str,
        queued_before_ms: i64,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError> {
        SqliteStore::notice_stuck_delivery(self, review_id, queued_before_ms, audit).await
    }

    async fn pending_at_least(
        &self,
        now_ms: i64,
        ages: &[i64],
        filter: &OverviewFilter,
    ) -> Result<Vec<u32>, StoreError> {
        SqliteStore::pending_at_least(self, now_ms, ages, filter).await
    }

    async fn oldest_pending(
        &self,
        received_by_ms: i64,
        limit: u32,
        filter: &OverviewFilter,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        SqliteStore::oldest_pending(self, received_by_ms, limit, filter).await
    }

    async fn decisions_since(
        &self,
        since_ms: i64,
        filter: &OverviewFilter,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        SqliteStore::decisions_since(self, since_ms, filter).await
    }

    async fn decided_since(
        &self,
        since_ms: i64,
        filter: &OverviewFilter,
    ) -> Result<Vec<Decided>, StoreError> {
        SqliteStore::decided_since(self, since_ms, filter).await
    }

    async fn models_and_groups(&self) -> Result<(Vec<String>, Vec<String>), StoreError> {
        SqliteStore::models_and_groups(self).await
    }

    async fn record(&self, entry: &AuditRecord) -> Result<(), StoreError> {
        SqliteStore::record(self, entry).await
    }

    async fn record_all(&self, entries: &[AuditRecord]) -> Result<(), StoreError> {
        SqliteStore::record_all(self, entries).await
    }

    async fn record_unless_recent(
        &self,
        entry: &AuditRecord,
        window_ms: i64,
    ) -> Result<(), StoreError> {
        SqliteStore::record_unless_recent(self, entry, window_ms).await
    }

    async fn expire_overdue(
        &self,
        now_ms: i64,
        closing: &Closing,
    ) -> Result<Vec<String>, StoreError> {
        SqliteStore::expire_overdue(self, now_ms, closing).await
    }

    async fn close_review(
        &self,
        review_id: &str,
        closing: &Closing,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        SqliteStore::close_review(self, review_id, closing, now_ms).await
    }

    async fn reviews_to_check(
        &self,
        checked_before_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        SqliteStore::reviews_to_check(self, checked_before_ms, limit).await
    }

    async fn mark_checked(&self, review_id: &str, now_ms: i64) -> Result<(), StoreError> {
        SqliteStore::mark_checked(self, review_id, now_ms).await
    }

    async fn pending_reviews_of(&self, execution_arn: &str) -> Result<Vec<String>, StoreError> {
        SqliteStore::pending_reviews_of(self, execution_arn).await
    }

    async fn heartbeats_due(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<HeartbeatJob>, StoreError> {
        SqliteStore::heartbeats_due(self, now_ms, limit).await
    }

    async fn heartbeat_sent(&self, review_id: &str, now_ms: i64) -> Result<(), StoreError> {
        SqliteStore::heartbeat_sent(self, review_id, now_ms).await
    }
}

/// Trigram indexes need three characters; shorter terms cannot use them.
const MIN_INDEXED_CHARS: usize = 3;

/// Whether `text` is long enough for a trigram index.
fn indexed(text: &str) -> bool {
    text.chars().count() >= MIN_INDEXED_CHARS
}

/// `text` as an FTS5 phrase (with trigrams: a substring, any case).
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Escapes `%`, `_` and `\` for a LIKE pattern (with `escape '\'`).
fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(super::like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }
}
