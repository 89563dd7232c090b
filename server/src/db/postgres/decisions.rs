//! PostgreSQL: committing a decision (compare-and-set on the review's version,
//! with its outbox row and audit entries), and taking back an approval.

use super::PostgresStore;
use crate::db::sqlx_error::{encode_error, store_error};
use app::domain::token::TaskToken;
use app::ssr::ports::{Committed, DecisionCommit, DeliveryJob, StoreError, WithdrawalCommit};

impl PostgresStore {
    pub(super) async fn commit_decision(
        &self,
        commit: &DecisionCommit,
    ) -> Result<Committed, StoreError> {
        let now_ms = commit.decision.at_ms;
        let mut tx = self.begin().await?;
        let updated: Option<(String, String)> = sqlx::query_as(
            "update review set version = version + 1, status = coalesce($1, status), updated_at = $2
             where id = $3 and version = $4
             returning task_token, execution_arn",
        )
        .bind(commit.new_status.map(|s| s.as_str()))
        .bind(now_ms)
        .bind(&commit.review_id)
        .bind(commit.expected_version)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let Some((token, execution_arn)) = updated else {
            tx.rollback().await.map_err(store_error)?;
            return Ok(Committed::Conflict);
        };
        let decision = &commit.decision;
        sqlx::query(
            "insert into decision (review_id, verdict, reviewer_subject, reviewer_label,
                reviewer_groups_json, comment, created_at)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&commit.review_id)
        .bind(decision.verdict.as_str())
        .bind(&decision.reviewer_subject)
        .bind(&decision.reviewer_label)
        .bind(
            serde_json::to_string(&decision.reviewer_groups)
                .map_err(|e| encode_error("reviewer groups", e))?,
        )
        .bind(&decision.comment)
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let mut job = None;
        if let Some(delivery) = &commit.delivery {
            // Claimed for the decider's first attempt (attempt 1), so no
            // second transaction stands between the commit and the send.
            sqlx::query(
                "insert into delivery (review_id, payload_json, next_attempt_at, claimed_until,
                    attempts, created_at, updated_at)
                 values ($1, $2, $3, $4, 1, $5, $6)",
            )
            .bind(&commit.review_id)
            .bind(serde_json::to_string(delivery).map_err(|e| encode_error("delivery", e))?)
            .bind(now_ms)
            .bind(now_ms.saturating_add(commit.delivery_lease_ms))
            .bind(now_ms)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
            job = Some(DeliveryJob {
                review_id: commit.review_id.clone(),
                execution_arn,
                token: TaskToken::parse(&token).map_err(|e| {
                    StoreError::corrupt(format!("token of {}", commit.review_id), e)
                })?,
                delivery: delivery.clone(),
                attempts: 1,
            });
        }
        for entry in &commit.audit {
            super::audit_log::append(&mut tx, entry, Some(&commit.review_id)).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(Committed::Recorded(job))
    }

    pub(super) async fn withdraw_approval(
        &self,
        commit: &WithdrawalCommit,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let bumped = sqlx::query(
            "update review set version = version + 1, updated_at = $1
             where id = $2 and version = $3 and status = 'pending'",
        )
        .bind(commit.audit.at_ms)
        .bind(&commit.review_id)
        .bind(commit.expected_version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let removed = if bumped.rows_affected() == 1 {
            sqlx::query(
                "delete from decision
                 where review_id = $1 and reviewer_subject = $2 and verdict = 'approve'",
            )
            .bind(&commit.review_id)
            .bind(&commit.reviewer_subject)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?
            .rows_affected()
        } else {
            0
        };
        if removed == 0 {
            tx.rollback().await.map_err(store_error)?;
            return Ok(false);
        }
        super::audit_log::append(&mut tx, &commit.audit, Some(&commit.review_id)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }
}
