//! Notifications: who hears about a review, when, and what they are told.
//! Plain rules (routes, the reminder schedule, digest windows, messages
//! within each channel's limits, payload signatures); the outbox, the
//! worker and the channels' adapters live on the server.

pub mod blocks;
pub mod digest;
pub mod digest_message;
pub mod event;
pub mod facts;
pub mod message;
pub mod metrics_summary;
pub mod route;
pub mod schedule;
pub mod signature;
pub mod stuck;
pub mod text;

/// Where one message goes. A route lists several; the server's adapters
/// (Slack's Web API, SMTP, SNS, an HTTP POST) each take one kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Destination {
    /// A Slack channel id (`C0123…`) or name, posted with `chat.postMessage`.
    Slack { channel: String },
    /// One e-mail address.
    Email { to: String },
    /// An SNS topic ARN.
    Sns { topic_arn: String },
    /// A generic webhook: a JSON body POSTed with an HMAC signature header.
    /// `secret_env` names the environment variable holding the secret, so
    /// the configuration file holds no secret.
    Webhook { url: String, secret_env: String },
}

impl Destination {
    /// How the admin page and the audit log name it (no secret, no query
    /// string of a webhook URL).
    pub fn label(&self) -> String {
        match self {
            Destination::Slack { channel } => format!("slack:{channel}"),
            Destination::Email { to } => format!("email:{to}"),
            Destination::Sns { topic_arn } => format!("sns:{topic_arn}"),
            Destination::Webhook { url, .. } => {
                let bare = url.split(['?', '#']).next().unwrap_or_default();
                format!("webhook:{bare}")
            }
        }
    }
}

use crate::domain::string_enum::string_enum;

string_enum! {
    /// Where one notification stands in the outbox.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum NotificationState {
        /// Waiting for its first or next attempt (or its digest window).
        Queued => "queued",
        Sent => "sent",
        /// Refused for good (or out of attempts); audited.
        Failed => "failed",
    }
}
