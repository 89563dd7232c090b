//! SQLite: reviews in and out (intake, one review with its decisions and
//! delivery), and their ends without a decision: expiry, upstream closing,
//! the reconciler's checks and heartbeats.

use super::indexed_sql::{
    EXPIRE_OVERDUE, HEARTBEATS_DUE, RECONCILE_TURN, REVIEWS_TO_CHECK, TAKE_TURN,
};
use super::SqliteStore;
use crate::db::outbox_rows::heartbeat_job;
use crate::db::rows::ReviewWithParts;
use crate::db::sqlx_error::{encode_error, store_error};
use app::domain::intake::parse_review_spec;
use app::domain::metrics::failing_thresholds;
use app::ssr::ports::{
    AuditRecord, Closing, HeartbeatJob, Inserted, NewReview, StoreError, StoredReview,
};
use sqlx::SqlitePool;

impl SqliteStore {
    pub(super) async fn insert_review(
        &self,
        review: &NewReview,
        audit: &AuditRecord,
    ) -> Result<Inserted, StoreError> {
        let request = &review.request;
        let fingerprint = request.task_token.fingerprint();
        let deadline = request.deadline().map(|d| d.timestamp_millis());
        let mut tx = self.write().await?;
        let inserted = sqlx::query(
            "insert into review (id, task_token, task_token_sha256, execution_arn, state_name, entered_at,
                received_at, deadline_at, due_at, title, model_name, model_version, requested_by,
                review_json, context_json, extra_json, heartbeat_seconds, created_at, updated_at,
                reviewer_group, priority, failing_thresholds, policy_json)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             on conflict (task_token_sha256) do nothing",
        )
        .bind(&review.id)
        .bind(request.task_token.expose())
        .bind(&fingerprint)
        .bind(&request.execution_arn)
        .bind(&request.state_name)
        .bind(request.entered_at.timestamp_millis())
        .bind(review.received_at_ms)
        .bind(deadline)
        .bind(deadline.unwrap_or(i64::MAX))
        .bind(&request.spec.title)
        .bind(&request.spec.model.name)
        .bind(&request.spec.model.version)
        // The column predates requests without a requester: '' is "nobody named".
        .bind(request.spec.requested_by.as_deref().unwrap_or_default())
        .bind(request.review_json.to_string())
        .bind(request.context.to_string())
        .bind(serde_json::Value::Object(request.extra.clone()).to_string())
        .bind(request.spec.heartbeat_seconds.map(|s| i64::try_from(s).unwrap_or(i64::MAX)))
        .bind(review.received_at_ms)
        .bind(review.received_at_ms)
        .bind(review.policy.queue_group())
        .bind(request.spec.priority.rank())
        .bind(review.failing_thresholds)
        .bind(serde_json::to_string(&review.policy).map_err(|e| encode_error("policy", e))?)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected();
        if inserted == 0 {
            let (existing,): (String,) =
                sqlx::query_as("select id from review where task_token_sha256 = ?")
                    .bind(&fingerprint)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(store_error)?;
            tx.rollback().await.map_err(store_error)?;
            return Ok(Inserted::Duplicate(existing));
        }
        super::audit_log::append(&mut tx, audit, Some(&review.id)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(Inserted::Created(review.id.clone()))
    }

    pub(super) async fn review(&self, id: &str) -> Result<Option<StoredReview>, StoreError> {
        // One statement, so one snapshot: a decision committed between
        // separate reads would show a pending review that already has its
        // winner. (It is also one round trip instead of five.)
        let row: Option<ReviewWithParts> = sqlx::query_as(
            "select id, execution_arn, state_name, entered_at, received_at, deadline_at, status,
                status_reason, version, review_json, context_json, policy_json,
                (select json_group_array(json_object(
                        'verdict', verdict, 'reviewer_subject', reviewer_subject,
                        'reviewer_label', reviewer_label,
                        'reviewer_groups', json(reviewer_groups_json), 'comment', comment,
                        'created_at', created_at) order by id)
                 from decision where review_id = review.id) as decisions_json,
                (select json_object('state', state, 'attempts', attempts,
                        'last_error', last_error, 'updated_at', updated_at)
                 from delivery where review_id = review.id) as delivery_json
             from review where id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(ReviewWithParts::into_review).transpose()
    }

    pub(super) async fn expire_overdue(
        &self,
        now_ms: i64,
        closing: &Closing,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.write().await?;
        let expired: Vec<(String,)> = sqlx::query_as(EXPIRE_OVERDUE)
            .bind(closing.status.as_str())
            .bind(&closing.reason)
            .bind(now_ms)
            .bind(now_ms)
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        for (id,) in &expired {
            super::audit_log::append(&mut tx, &closing.audit, Some(id)).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(expired.into_iter().map(|(id,)| id).collect())
    }

    pub(super) async fn close_review(
        &self,
        review_id: &str,
        closing: &Closing,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let closed = sqlx::query(
            "update review set status = ?, status_reason = ?, version = version + 1, updated_at = ?
             where id = ? and status = 'pending'",
        )
        .bind(closing.status.as_str())
        .bind(&closing.reason)
        .bind(now_ms)
        .bind(review_id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected();
        if closed == 1 {
            super::audit_log::append(&mut tx, &closing.audit, Some(review_id)).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(closed == 1)
    }

    pub(super) async fn claim_reviews_to_check(
        &self,
        now_ms: i64,
        checked_before_ms: i64,
        turn_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut tx = self.write().await?;
        let turn = sqlx::query(TAKE_TURN)
            .bind(RECONCILE_TURN)
            .bind(now_ms)
            .bind(now_ms.saturating_sub(turn_ms))
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        if turn.rows_affected() == 0 {
            return Ok(Vec::new());
        }
        let claimed: Vec<(String, String)> = sqlx::query_as(REVIEWS_TO_CHECK)
            .bind(checked_before_ms)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        for (review_id, _) in &claimed {
            sqlx::query("update review set checked_at = ? where id = ?")
                .bind(now_ms)
                .bind(review_id)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(claimed)
    }

    pub(super) async fn mark_checked(
        &self,
        review_id: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("update review set checked_at = ? where id = ?")
            .bind(now_ms)
            .bind(review_id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    pub(super) async fn pending_reviews_of(
        &self,
        execution_arn: &str,
    ) -> Result<Vec<String>, StoreError> {
        let ids: Vec<(String,)> =
            sqlx::query_as("select id from review where execution_arn = ? and status = 'pending'")
                .bind(execution_arn)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }

    pub(super) async fn claim_heartbeats(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<HeartbeatJob>, StoreError> {
        let mut tx = self.write().await?;
        let rows: Vec<(String, String)> = sqlx::query_as(HEARTBEATS_DUE)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        // Held by moving the last heartbeat back so that the next is due
        // when the lease ends ([`Self::heartbeat_sent`] sets the real one).
        for (review_id, _) in &rows {
            sqlx::query(
                "update review set last_heartbeat_at = ? - heartbeat_seconds * 1000 / 3 + ?
                 where id = ?",
            )
            .bind(now_ms)
            .bind(lease_ms)
            .bind(review_id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        rows.into_iter().map(heartbeat_job).collect()
    }

    pub(super) async fn heartbeat_sent(
        &self,
        review_id: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("update review set last_heartbeat_at = ?, heartbeats_sent = heartbeats_sent + 1 where id = ?")
            .bind(now_ms)
            .bind(review_id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}

/// Computes `failing_thresholds` for reviews stored before the column
/// existed, a thousand at a time; does nothing once all have it. (New
/// reviews arrive with theirs, counted by the intake service; this runs the
/// same domain rule over the rows that predate it.)
pub(super) async fn backfill_failing_thresholds(pool: &SqlitePool) -> anyhow::Result<()> {
    loop {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "select id, review_json from review where failing_thresholds is null limit 1000",
        )
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        for (id, review_json) in rows {
            // A review that no longer parses still leaves the backlog.
            let failing = serde_json::from_str(&review_json)
                .ok()
                .and_then(|json| parse_review_spec(&json, "review").ok())
                .map_or(0, |spec| failing_thresholds(&spec));
            sqlx::query("update review set failing_thresholds = ? where id = ?")
                .bind(failing)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
}
