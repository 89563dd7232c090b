//! PostgreSQL: the queue's pages and counts (the pending total, ages, the
//! oldest waiting) for the pages and the overview.

use super::indexed_sql::{oldest_pending_query, pending_at_least_query, COUNT_PENDING};
use super::PostgresStore;
use crate::db::rows::QueueRowRecord;
use crate::db::sqlx_error::store_error;
use app::domain::overview_stats::OverviewFilter;
use app::domain::queue_query::QueueQuery;
use app::ssr::ports::{QueueRow, StoreError};
use sqlx::Row;

impl PostgresStore {
    pub(super) async fn queue_page(
        &self,
        query: &QueueQuery,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<QueueRow>, StoreError> {
        let rows: Vec<QueueRowRecord> = super::queue_query::page_query(query, now_ms, limit)
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
        super::queue_query::titles_query(query, now_ms, limit)
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
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
