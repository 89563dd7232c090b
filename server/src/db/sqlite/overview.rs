//! SQLite: what the lead overview reads: the decisions of a period and the
//! reviews finally decided in it, for one model and reviewer group or all,
//! and the models and groups there are to choose from.

use super::SqliteStore;
use crate::db::sqlx_error::store_error;
use app::domain::overview_stats::{Decided, OverviewFilter};
use app::ssr::ports::StoreError;
use sqlx::{QueryBuilder, Sqlite};

/// ` and …` for each filter on the review `r`. ASCII case is ignored: a
/// link typed by hand as `Churn-Model` finds `churn-model`.
fn push_filter(sql: &mut QueryBuilder<'static, Sqlite>, filter: &OverviewFilter) {
    super::queue_query::push_model_and_group(sql, filter.model.as_deref(), filter.group.as_deref());
}

impl SqliteStore {
    pub(super) async fn decisions_since(
        &self,
        since_ms: i64,
        filter: &OverviewFilter,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        let mut sql = QueryBuilder::new(
            "select d.reviewer_label, d.verdict, d.created_at
             from decision d join review r on r.id = d.review_id where d.created_at >= ",
        );
        sql.push_bind(since_ms);
        push_filter(&mut sql, filter);
        sql.build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
    }

    pub(super) async fn decided_since(
        &self,
        since_ms: i64,
        filter: &OverviewFilter,
    ) -> Result<Vec<Decided>, StoreError> {
        let mut sql = QueryBuilder::new(
            "select r.received_at, max(d.created_at), r.status = 'approved'
             from review r join decision d on d.review_id = r.id
             where r.status in ('approved', 'rejected')",
        );
        push_filter(&mut sql, filter);
        sql.push(" group by r.id having max(d.created_at) >= ")
            .push_bind(since_ms);
        let rows: Vec<(i64, i64, bool)> = sql
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
