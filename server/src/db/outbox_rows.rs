//! The outboxes' rows as both engines read and write them: notification
//! events and records, destinations, a finished attempt's columns, stuck
//! deliveries and heartbeats. Pure conversions; the SQL is each engine's.

use app::domain::notify::route::UPDATE_ROUTE;
use app::domain::notify::{Destination, NotificationState};
use app::domain::token::TaskToken;
use app::ssr::ports::{
    DeliveryOutcome, HeartbeatJob, NewNotification, NotificationEvent, NotificationOutcome,
    NotificationRecord, StoreError, StuckDelivery,
};

/// An event's columns as the claims and the routing read them. An entry
/// pruned from the audit log leaves its event with empty words, never a
/// claim that fails.
pub(crate) const EVENT_COLUMNS: &str = "e.audit_id, e.review_id, coalesce(a.action, ''),
    coalesce(a.actor, ''), coalesce(a.detail, ''), coalesce(a.at, 0)";

/// A row of [`EVENT_COLUMNS`].
pub(crate) type EventRow = (i64, String, String, String, String, i64);

pub(crate) fn event_of(
    (audit_id, review_id, action, actor, detail, at_ms): EventRow,
) -> NotificationEvent {
    NotificationEvent {
        audit_id,
        review_id,
        action,
        actor,
        detail,
        at_ms,
    }
}

pub(crate) fn destination_of(id: i64, json: &str) -> Result<Destination, StoreError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::corrupt(format!("destination of notification {id}"), e))
}

pub(crate) fn destination_json(destination: &Destination) -> Result<String, StoreError> {
    serde_json::to_string(destination).map_err(|e| StoreError::corrupt("a destination", e))
}

/// An update of the chat message at `channel`/`ts`, due at `now_ms`.
pub(crate) fn chat_update(channel: String, ts: String, now_ms: i64) -> NewNotification {
    NewNotification {
        route: UPDATE_ROUTE.into(),
        destination: Destination::ChatUpdate { channel, ts },
        send_at_ms: now_ms,
        digest_until_ms: None,
    }
}

/// What a finished notification attempt writes: `(state, error,
/// next_attempt_at, sent_at)`.
pub(crate) fn notification_columns(
    outcome: &NotificationOutcome,
    now_ms: i64,
) -> (NotificationState, Option<&str>, Option<i64>, Option<i64>) {
    match outcome {
        NotificationOutcome::Sent { .. } => (NotificationState::Sent, None, None, Some(now_ms)),
        NotificationOutcome::Retry {
            error,
            next_attempt_at_ms,
        } => (
            NotificationState::Queued,
            Some(error.as_str()),
            Some(*next_attempt_at_ms),
            None,
        ),
        NotificationOutcome::Failed { error } => {
            (NotificationState::Failed, Some(error.as_str()), None, None)
        }
    }
}

/// What a finished delivery attempt writes: `(state, last_error,
/// next_attempt_at)`.
pub(crate) fn delivery_columns(
    outcome: &DeliveryOutcome,
) -> (&'static str, Option<&str>, Option<i64>) {
    match outcome {
        DeliveryOutcome::Delivered => ("delivered", None, None),
        DeliveryOutcome::Closed { reason } => ("closed", Some(reason.as_str()), None),
        DeliveryOutcome::Failed { reason } => ("failed", Some(reason.as_str()), None),
        DeliveryOutcome::Retry {
            error,
            next_attempt_at_ms,
        } => ("queued", Some(error.as_str()), Some(*next_attempt_at_ms)),
    }
}

/// A row of the admins' list of notifications.
pub(crate) type NotificationRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    i64,
    Option<i64>,
);

/// The columns of a [`NotificationRow`].
pub(crate) const NOTIFICATION_COLUMNS: &str =
    "n.id, n.review_id, coalesce(a.action, ''), n.route, n.destination_json, n.state,
     n.attempts, n.last_error, n.created_at, n.sent_at";

pub(crate) fn notification_record(
    (
        id,
        review_id,
        action,
        route,
        destination,
        state,
        attempts,
        last_error,
        created_at_ms,
        sent_at_ms,
    ): NotificationRow,
) -> Result<NotificationRecord, StoreError> {
    Ok(NotificationRecord {
        id,
        review_id,
        action,
        route,
        destination: destination_of(id, &destination)?,
        state: NotificationState::parse(&state)
            .ok_or_else(|| StoreError::corrupt(format!("state of notification {id}"), &state))?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        last_error,
        created_at_ms,
        sent_at_ms,
    })
}

/// A row of the stuck deliveries: `(review_id, created_at, attempts,
/// last_error)`.
pub(crate) fn stuck_delivery(
    (review_id, queued_since_ms, attempts, last_error): (String, i64, i64, Option<String>),
) -> StuckDelivery {
    StuckDelivery {
        review_id,
        queued_since_ms,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        last_error,
    }
}

/// A row of the heartbeats due: `(review_id, task_token)`.
pub(crate) fn heartbeat_job(
    (review_id, token): (String, String),
) -> Result<HeartbeatJob, StoreError> {
    let token = TaskToken::parse(&token)
        .map_err(|e| StoreError::corrupt(format!("token of {review_id}"), e))?;
    Ok(HeartbeatJob { review_id, token })
}
