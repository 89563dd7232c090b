//! PostgreSQL: the outbox of decided reviews, claimed under a lease and finished
//! with the attempt's outcome; those queued too long are noticed as stuck,
//! once each.

use super::indexed_sql::{CLAIM_DELIVERIES, STUCK_DELIVERIES};
use super::PostgresStore;
use crate::db::outbox_rows::{delivery_columns, stuck_delivery};
use crate::db::sqlx_error::store_error;
use app::domain::token::TaskToken;
use app::ssr::ports::{AuditRecord, DeliveryJob, DeliveryOutcome, StoreError, StuckDelivery};

impl PostgresStore {
    pub(super) async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryJob>, StoreError> {
        // One statement, outside any lock of the chain: replicas claim
        // side by side, each skipping the rows another is claiming.
        let claimed: Vec<(String, String, i64, String, String)> = sqlx::query_as(CLAIM_DELIVERIES)
            .bind(now_ms + lease_ms)
            .bind(now_ms)
            .bind(now_ms)
            .bind(now_ms)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let mut jobs = Vec::with_capacity(claimed.len());
        for (review_id, payload, attempts, token, execution_arn) in claimed {
            jobs.push(DeliveryJob {
                execution_arn,
                token: TaskToken::parse(&token)
                    .map_err(|e| StoreError::corrupt(format!("token of {review_id}"), e))?,
                delivery: serde_json::from_str(&payload)
                    .map_err(|e| StoreError::corrupt(format!("delivery of {review_id}"), e))?,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                review_id,
            });
        }
        Ok(jobs)
    }

    pub(super) async fn finish_delivery(
        &self,
        review_id: &str,
        outcome: &DeliveryOutcome,
        now_ms: i64,
        audit: Option<&AuditRecord>,
    ) -> Result<(), StoreError> {
        let (state, last_error, next_attempt_at) = delivery_columns(outcome);
        let mut tx = self.begin().await?;
        sqlx::query(
            "update delivery set state = $1, last_error = $2, next_attempt_at = coalesce($3, next_attempt_at),
                claimed_until = null, updated_at = $4
             where review_id = $5",
        )
        .bind(state)
        .bind(last_error)
        .bind(next_attempt_at)
        .bind(now_ms)
        .bind(review_id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if let Some(entry) = audit {
            super::audit_log::append(&mut tx, entry, Some(review_id)).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(())
    }

    pub(super) async fn stuck_deliveries(
        &self,
        queued_before_ms: i64,
        limit: u32,
    ) -> Result<Vec<StuckDelivery>, StoreError> {
        let rows: Vec<(String, i64, i64, Option<String>)> = sqlx::query_as(STUCK_DELIVERIES)
            .bind(queued_before_ms)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(rows.into_iter().map(stuck_delivery).collect())
    }

    pub(super) async fn notice_stuck_delivery(
        &self,
        review_id: &str,
        queued_before_ms: i64,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let noticed = sqlx::query(
            "update delivery set stuck_noticed_at = $1
             where review_id = $2 and state = 'queued' and stuck_noticed_at is null
               and created_at <= $3",
        )
        .bind(audit.at_ms)
        .bind(review_id)
        .bind(queued_before_ms)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if noticed.rows_affected() == 0 {
            // Noticed before (another sweep, a replica, before a restart),
            // or it left the queue meanwhile.
            return Ok(false);
        }
        super::audit_log::append(&mut tx, audit, Some(review_id)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }
}
