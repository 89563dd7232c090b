//! SQLite: intake messages that could not be accepted, kept once per message.

use super::SqliteStore;
use crate::db::rows::RejectedIntakeRow;
use crate::db::sqlx_error::{encode_error, store_error};
use app::domain::rejected_intake::RejectedIntake as RejectedIntakeView;
use app::ssr::ports::{AuditRecord, NewRejectedIntake, RejectedIntakeStatus, StoreError};

impl SqliteStore {
    pub(super) async fn record_rejected_intake(
        &self,
        intake: &NewRejectedIntake,
        audit: &AuditRecord,
    ) -> Result<RejectedIntakeStatus, StoreError> {
        let reasons =
            serde_json::to_string(&intake.reasons).map_err(|e| encode_error("reasons", e))?;
        let mut tx = self.write().await?;
        let (id, notified, count): (String, bool, i64) = sqlx::query_as(
            "insert into rejected_intake (id, source, message_id, received_at, reasons_json, execution_arn,
                redacted_body, created_at, updated_at)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?)
             on conflict (source, message_id) do update
                set receive_count = receive_count + 1, updated_at = excluded.updated_at
             returning id, workflow_notified, receive_count",
        )
        .bind(&intake.id)
        .bind(&intake.source)
        .bind(&intake.message_id)
        .bind(intake.received_at_ms)
        .bind(&reasons)
        .bind(&intake.execution_arn)
        .bind(&intake.redacted_body)
        .bind(intake.received_at_ms)
        .bind(intake.received_at_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        if count == 1 {
            super::audit_log::append(&mut tx, audit, None).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(RejectedIntakeStatus {
            id,
            workflow_notified: notified,
        })
    }

    pub(super) async fn mark_intake_notified(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("update rejected_intake set workflow_notified = 1 where id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    pub(super) async fn rejected_intake(
        &self,
        limit: u32,
    ) -> Result<Vec<RejectedIntakeView>, StoreError> {
        let rows: Vec<RejectedIntakeRow> = sqlx::query_as(
            "select id, source, message_id, received_at, receive_count, reasons_json, execution_arn,
                redacted_body, workflow_notified
             from rejected_intake order by received_at desc, id limit ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.into_iter().map(RejectedIntakeRow::into_view).collect()
    }
}
