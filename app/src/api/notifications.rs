//! The notification outbox as admins read it: what was sent where, and
//! what is still waiting or failed, and why.

use super::{AppError, JsonAnswer};
use leptos::server;
use serde::{Deserialize, Serialize};

/// One notification as the admins' page lists it. The destination is its
/// label: a webhook's query string and credentials never leave the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: i64,
    /// When it was queued.
    pub queued_at_ms: i64,
    pub review_id: String,
    /// The audit action of the event that caused it (`received`, `approved`…).
    pub event: String,
    pub route: String,
    /// `Destination::label`, e.g. `email:ml@example.com`.
    pub destination: String,
    /// `queued`, `sent` or `failed`.
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub sent_at_ms: Option<i64>,
}

#[cfg(feature = "ssr")]
impl From<crate::ssr::ports::NotificationRecord> for NotificationView {
    fn from(record: crate::ssr::ports::NotificationRecord) -> Self {
        NotificationView {
            id: record.id,
            queued_at_ms: record.created_at_ms,
            review_id: record.review_id,
            event: record.action,
            route: record.route,
            destination: record.destination.label(),
            state: record.state.as_str().to_owned(),
            attempts: record.attempts,
            last_error: record.last_error,
            sent_at_ms: record.sent_at_ms,
        }
    }
}

/// The newest notifications (200), newest first. Admins only.
#[server(endpoint = "notifications", output = JsonAnswer)]
pub async fn list_notifications() -> Result<Vec<NotificationView>, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            require(Role::Admin)?;
            services()?
                .recent_notifications()
                .await
                .map(|records| records.into_iter().map(NotificationView::from).collect())
                .map_err(AppError::internal)
        }
        .await,
    )
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::notify::{Destination, NotificationState};
    use crate::ssr::ports::NotificationRecord;

    #[test]
    fn the_view_names_a_webhook_without_its_query() {
        let view = NotificationView::from(NotificationRecord {
            id: 7,
            review_id: "r-1".into(),
            action: "received".into(),
            route: "hooks".into(),
            destination: Destination::Webhook {
                url: "https://hooks.example.com/in?key=SECRET".into(),
                secret_env: "HOOK_SECRET".into(),
            },
            state: NotificationState::Failed,
            attempts: 3,
            last_error: Some("webhook https://hooks.example.com/in answered 404".into()),
            created_at_ms: 1_000,
            sent_at_ms: None,
        });
        assert_eq!(view.destination, "webhook:https://hooks.example.com/in");
        assert_eq!(view.state, "failed");
        assert_eq!((view.queued_at_ms, view.attempts), (1_000, 3));
        let shown = format!("{view:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
