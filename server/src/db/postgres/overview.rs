//! PostgreSQL: what the lead overview reads: the decisions of a period and the
//! reviews finally decided in it, for one model and reviewer group or all,
//! and the models and groups there are to choose from.

use super::indexed_sql::{decided_since_query, decisions_since_query};
use super::PostgresStore;
use crate::db::sqlx_error::store_error;
use app::domain::overview_stats::{Decided, OverviewFilter};
use app::ssr::ports::StoreError;

impl PostgresStore {
    pub(super) async fn decisions_since(
        &self,
        since_ms: i64,
        filter: &OverviewFilter,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        decisions_since_query(since_ms, filter)
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
    }

    pub(super) async fn decided_since(
        &self,
        since_ms: i64,
        filter: &OverviewFilter,
    ) -> Result<Vec<Decided>, StoreError> {
        let rows: Vec<(i64, i64, bool)> = decided_since_query(since_ms, filter)
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(received_ms, decided_ms, approved)| Decided {
                received_ms,
                decided_ms,
                approved,
            })
            .collect())
    }

    pub(super) async fn models_and_groups(&self) -> Result<(Vec<String>, Vec<String>), StoreError> {
        let models: Vec<(String,)> =
            sqlx::query_as("select distinct model_name from review order by 1")
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        let groups: Vec<(String,)> = sqlx::query_as(
            "select distinct reviewer_group from review where reviewer_group is not null order by 1",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok((
            models.into_iter().map(|(m,)| m).collect(),
            groups.into_iter().map(|(g,)| g).collect(),
        ))
    }
}
