//! PostgreSQL: the notification outbox. Events arrive with their audit entries
//! (`audit_log::append`); here they are routed once into rows per route and
//! destination (and an update per chat message remembered for a review the
//! event changed), claimed under a lease, finished, and listed for admins.

use super::indexed_sql::{CLAIM_NOTIFICATIONS, REMINDERS_DUE};
use super::PostgresStore;
use crate::db::outbox_rows::{
    chat_update, destination_json, destination_of, event_of, notification_columns,
    notification_record, EventRow, NotificationRow, EVENT_COLUMNS, NOTIFICATION_COLUMNS,
};
use crate::db::sqlx_error::store_error;
use app::domain::notify::event::updates_chat;
use app::domain::notify::route::UPDATE_ROUTE;
use app::ssr::ports::{
    AuditRecord, ChatMessageRef, NewNotification, NotificationEvent, NotificationJob,
    NotificationOutbox, NotificationOutcome, NotificationRecord, ReminderCandidate, ReminderSteps,
    StoreError,
};
use async_trait::async_trait;
use sqlx::{Postgres, Transaction};

/// Queues `notification` for the event `audit_id` (once per event, route
/// and destination).
async fn queue(
    tx: &mut Transaction<'static, Postgres>,
    audit_id: i64,
    notification: &NewNotification,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "insert into notification (audit_id, review_id, route, destination_json,
            digest_until, next_attempt_at, created_at)
         select audit_id, review_id, $1, $2, $3, $4, $5 from notification_event where audit_id = $6
         on conflict (audit_id, route, destination_json) do nothing",
    )
    .bind(&notification.route)
    .bind(destination_json(&notification.destination)?)
    .bind(notification.digest_until_ms)
    .bind(notification.send_at_ms)
    .bind(now_ms)
    .bind(audit_id)
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// The race of a message posted while its review changed: the events that
/// changed it were routed before the message was recorded, so none queued
/// an update of it. If any of the review's events after the one this
/// notification was sent for changes the review and is routed already, one
/// update is queued (under the latest such event), showing the review as
/// it is when it is sent.
async fn update_if_changed_meanwhile(
    tx: &mut Transaction<'static, Postgres>,
    notification_id: i64,
    channel: &str,
    ts: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let later: Vec<(i64, String)> = sqlx::query_as(
        "select e.audit_id, a.action from notification n
         join notification_event e on e.review_id = n.review_id and e.audit_id > n.audit_id
         join audit_entry a on a.id = e.audit_id
         where n.id = $1 and e.routed_at is not null
         order by e.audit_id desc",
    )
    .bind(notification_id)
    .fetch_all(&mut **tx)
    .await
    .map_err(store_error)?;
    if let Some((audit_id, _)) = later.iter().find(|(_, action)| updates_chat(action)) {
        let update = chat_update(channel.to_owned(), ts.to_owned(), now_ms);
        queue(tx, *audit_id, &update, now_ms).await?;
    }
    Ok(())
}

#[async_trait]
impl NotificationOutbox for PostgresStore {
    async fn events_to_route(&self, limit: u32) -> Result<Vec<NotificationEvent>, StoreError> {
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "select {EVENT_COLUMNS} from notification_event e
             join audit_entry a on a.id = e.audit_id
             where e.routed_at is null order by e.audit_id limit $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows.into_iter().map(event_of).collect())
    }

    async fn route_event(
        &self,
        audit_id: i64,
        notifications: &[NewNotification],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let routed = sqlx::query(
            "update notification_event set routed_at = $1 where audit_id = $2 and routed_at is null",
        )
        .bind(now_ms)
        .bind(audit_id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if routed.rows_affected() == 0 {
            // Routed before (by another worker, or before a restart).
            return Ok(());
        }
        for notification in notifications {
            queue(&mut tx, audit_id, notification, now_ms).await?;
        }
        // In the routing's own transaction: a chat message recorded before
        // this commits is updated here, one recorded after sees this event
        // routed when it is recorded (`finish_notification`).
        let action: Option<(String,)> = sqlx::query_as(
            "select a.action from notification_event e join audit_entry a on a.id = e.audit_id
             where e.audit_id = $1",
        )
        .bind(audit_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        if action.is_some_and(|(action,)| updates_chat(&action)) {
            let chats: Vec<(String, String)> = sqlx::query_as(
                "select c.channel, c.ts from chat_message c
                 join notification_event e on e.review_id = c.review_id
                 where e.audit_id = $1 order by c.posted_at, c.ts",
            )
            .bind(audit_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
            for (channel, ts) in chats {
                queue(&mut tx, audit_id, &chat_update(channel, ts, now_ms), now_ms).await?;
            }
        }
        tx.commit().await.map_err(store_error)
    }

    async fn claim_notifications(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<NotificationJob>, StoreError> {
        let mut tx = self.begin().await?;
        // Replicas claim one at a time: a claim reads which chat messages
        // have an update held, and two at once could each take one update
        // of the same message (rows merely locked are skipped, not seen).
        sqlx::query("select pg_advisory_xact_lock($1)")
            .bind(super::NOTIFICATION_CLAIM_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        // Due rows first; then the rest of each due digest (same route,
        // destination and window), so a digest is one message; and every
        // queued update of a chat message with one due (those waiting out
        // a backoff too), so they go as one call. An update is not claimed
        // while another of the same message is held: one sender at a time
        // per message, each reading the review after the last, so a
        // message never goes back to an older state.
        let claimed: Vec<(i64, String, String, Option<i64>, i64)> =
            sqlx::query_as(CLAIM_NOTIFICATIONS)
                .bind(now_ms + lease_ms)
                .bind(now_ms)
                .bind(now_ms)
                .bind(UPDATE_ROUTE)
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await
                .map_err(store_error)?;
        let mut jobs = Vec::with_capacity(claimed.len());
        for (id, route, destination, digest_until_ms, attempts) in claimed {
            let event: EventRow = sqlx::query_as(&format!(
                "select {EVENT_COLUMNS} from notification n
                 join notification_event e on e.audit_id = n.audit_id
                 left join audit_entry a on a.id = e.audit_id
                 where n.id = $1"
            ))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
            jobs.push(NotificationJob {
                id,
                event: event_of(event),
                route,
                destination: destination_of(id, &destination)?,
                digest_until_ms,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            });
        }
        tx.commit().await.map_err(store_error)?;
        jobs.sort_by_key(|job| job.id);
        Ok(jobs)
    }

    async fn finish_notification(
        &self,
        id: i64,
        outcome: &NotificationOutcome,
        now_ms: i64,
        audit: Option<&AuditRecord>,
    ) -> Result<(), StoreError> {
        let (state, error, next_attempt_at, sent_at) = notification_columns(outcome, now_ms);
        let mut tx = self.begin().await?;
        let review_id: Option<(String,)> = sqlx::query_as(
            "update notification set state = $1, last_error = coalesce($2, last_error),
                next_attempt_at = coalesce($3, next_attempt_at), sent_at = $4, claimed_until = null
             where id = $5 returning review_id",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(next_attempt_at)
        .bind(sent_at)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let Some((review_id,)) = review_id else {
            return Err(StoreError::Conflict(format!("no notification {id}")));
        };
        if let NotificationOutcome::Sent {
            chat: Some(ChatMessageRef { channel, ts }),
        } = outcome
        {
            let recorded = sqlx::query(
                "insert into chat_message (channel, ts, review_id, posted_at) values ($1, $2, $3, $4)
                 on conflict (channel, ts) do nothing",
            )
            .bind(channel)
            .bind(ts)
            .bind(&review_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
            if recorded.rows_affected() == 1 {
                update_if_changed_meanwhile(&mut tx, id, channel, ts, now_ms).await?;
            }
        }
        if let Some(entry) = audit {
            super::audit_log::append(&mut tx, entry, Some(&review_id)).await?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn recent_notifications(
        &self,
        limit: u32,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let rows: Vec<NotificationRow> = sqlx::query_as(&format!(
            "select {NOTIFICATION_COLUMNS}
             from notification n left join audit_entry a on a.id = n.audit_id
             order by n.id desc limit $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.into_iter().map(notification_record).collect()
    }

    async fn chat_messages(&self, review_id: &str) -> Result<Vec<ChatMessageRef>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "select channel, ts from chat_message where review_id = $1 order by posted_at, ts",
        )
        .bind(review_id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(channel, ts)| ChatMessageRef { channel, ts })
            .collect())
    }

    async fn reminders_due(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<ReminderCandidate>, StoreError> {
        let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(REMINDERS_DUE)
            .bind(now_ms)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let mut candidates = Vec::with_capacity(rows.len());
        for (review_id, received_at_ms, deadline_ms) in rows {
            let fired: Vec<(String,)> =
                sqlx::query_as("select step_id from reminder_step where review_id = $1")
                    .bind(&review_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
            candidates.push(ReminderCandidate {
                review_id,
                received_at_ms,
                deadline_ms,
                fired: fired.into_iter().map(|(id,)| id).collect(),
            });
        }
        Ok(candidates)
    }

    async fn record_reminder_steps(
        &self,
        steps: &ReminderSteps,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let pending =
            sqlx::query("update review set next_step_at = $1 where id = $2 and status = 'pending'")
                .bind(steps.next_step_at_ms.unwrap_or(i64::MAX))
                .bind(&steps.review_id)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        if pending.rows_affected() == 0 {
            return Ok(false);
        }
        let mut new_steps = 0;
        for step in &steps.fired {
            new_steps += sqlx::query(
                "insert into reminder_step (review_id, step_id, fired_at) values ($1, $2, $3)
                 on conflict (review_id, step_id) do nothing",
            )
            .bind(&steps.review_id)
            .bind(step)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?
            .rows_affected();
        }
        // Another worker recorded these steps first: its entry stands alone.
        if let Some(entry) = steps.audit.as_ref().filter(|_| new_steps > 0) {
            super::audit_log::append(&mut tx, entry, Some(&steps.review_id)).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }
}
