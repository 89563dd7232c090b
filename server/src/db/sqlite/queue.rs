//! SQLite: the queue's pages and counts (the pending total, ages, the
//! oldest waiting) for the pages and the overview.

use super::indexed_sql::{oldest_pending_query, pending_at_least_query, COUNT_PENDING};
use super::SqliteStore;
use crate::db::rows::QueueRowRecord;
use crate::db::sqlx_error::store_error;
use app::domain::overview_stats::OverviewFilter;
use app::domain::queue_query::QueueQuery;
use app::ssr::ports::{QueueRow, StoreError};
use sqlx::Row;

impl SqliteStore {
    pub(super) async fn queue_page(
        &self,
        query: &QueueQuery,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<QueueRow>, StoreError> {
        let few_matches = self.few_matches(query).await?;
        let rows: Vec<QueueRowRecord> =
            super::queue_query::page_query(query, now_ms, limit, few_matches)
                .build_query_as()
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        rows.into_iter().map(QueueRowRecord::into_row).collect()
    }

    pub(super) async fn queue_titles(
        &self,
        query: &QueueQuery,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let few_matches = self.few_matches(query).await?;
        super::queue_query::titles_query(query, now_ms, limit, few_matches)
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
    }

    /// Whether the query's search matches few enough reviews for the
    /// full-text index to be the faster way to them.
    async fn few_matches(&self, query: &QueueQuery) -> Result<bool, StoreError> {
        match query
            .search
            .as_deref()
            .and_then(super::queue_query::count_matches)
        {
            Some(mut count) => {
                let (matches,): (i64,) = count
                    .build_query_as()
                    .fetch_one(&self.pool)
                    .await
                    .map_err(store_error)?;
                Ok(matches < i64::from(super::queue_query::FEW_MATCHES))
            }
            None => Ok(false),
        }
    }

    pub(super) async fn pending_count(&self, now_ms: i64) -> Result<u64, StoreError> {
        let (count,): (i64,) = sqlx::query_as(COUNT_PENDING)
            .bind(now_ms)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub(super) async fn pending_at_least(
        &self,
        now_ms: i64,
        ages: &[i64],
        filter: &OverviewFilter,
    ) -> Result<Vec<u32>, StoreError> {
        if ages.is_empty() {
            return Ok(Vec::new());
        }
        let row = pending_at_least_query(now_ms, ages, filter)
            .build()
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        (0..ages.len())
            .map(|n| {
                let count: i64 = row.try_get(n).map_err(store_error)?;
                Ok(u32::try_from(count).unwrap_or(u32::MAX))
            })
            .collect()
    }

    pub(super) async fn oldest_pending(
        &self,
        received_by_ms: i64,
        limit: u32,
        filter: &OverviewFilter,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        oldest_pending_query(received_by_ms, limit, filter)
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::audit_action::Action;
    use app::domain::intake::parse_review_request;
    use app::domain::policy::EffectivePolicy;
    use app::ssr::pending_count::PendingCount;
    use app::ssr::ports::{AuditRecord, NewReview, ReviewStore};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    async fn add_pending(store: &SqliteStore, n: usize, now_ms: i64) {
        let message = serde_json::json!({
            "version": 1,
            "taskToken": format!("pending-count-token-{n}"),
            "executionArn": format!("arn:aws:states:us-east-1:123456789012:execution:m:run-{n}"),
            "stateName": "RequestApproval",
            "enteredTime": "2026-01-01T00:00:00Z",
            "review": {
                "title": "Promote churn-model", "requestedBy": "ci@example.com",
                "model": {"name": "churn-model", "version": "42"},
                "metrics": {"auc": 0.9}
            },
        });
        let request = parse_review_request(&message.to_string()).expect("a valid request");
        let review = NewReview {
            id: format!("pending-{n}"),
            policy: EffectivePolicy::from_request(&request.spec),
            failing_thresholds: 0,
            request,
            received_at_ms: now_ms,
        };
        let audit = AuditRecord::system(now_ms, Action::Received, None, None);
        store.insert_review(&review, &audit).await.expect("stored");
    }

    /// The store counts every time; the services' piece shows a fresh count
    /// again without asking it (what keeps the queue's pages cheap).
    #[tokio::test]
    async fn the_store_counts_each_time_and_the_services_remember_the_count() {
        let dir = std::env::temp_dir().join(format!("signoff-pending-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let url = format!("sqlite://{}", dir.join("pending.db").display());
        let store = SqliteStore::connect(&url).await.expect("a database");
        let now_ms = 1_000;
        add_pending(&store, 1, now_ms).await;
        let ports: Arc<dyn ReviewStore> = Arc::new(store.clone());
        let pending = Arc::new(PendingCount::default());
        // Pages arrive at chosen instants: the count made for the first is
        // at most half a second old for the second, whatever the clock does.
        let first = Instant::now();
        let second = first + Duration::from_millis(500);
        let count = |at| pending.get_at(&ports, now_ms, at);
        assert_eq!(count(first).await.expect("counted"), 1);
        add_pending(&store, 2, now_ms).await;
        assert_eq!(store.pending_count(now_ms).await.expect("counted"), 2);
        assert_eq!(
            count(second).await.expect("remembered"),
            1,
            "a count younger than a second is shown as it is"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
