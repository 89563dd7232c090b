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
    /// A chat message Signoff posted, to be replaced in place with
    /// `chat.update` (the review changed). Never in a route: the outbox
    /// queues one per remembered message when the review changes.
    ChatUpdate { channel: String, ts: String },
}

impl Destination {
    /// How the admin page and the audit log name it (no secret: neither
    /// the query string nor the `user:password@` of a webhook URL, where
    /// chat tools put their keys).
    pub fn label(&self) -> String {
        match self {
            Destination::Slack { channel } => format!("slack:{channel}"),
            Destination::Email { to } => format!("email:{to}"),
            Destination::Sns { topic_arn } => format!("sns:{topic_arn}"),
            Destination::Webhook { url, .. } => format!("webhook:{}", bare_url(url)),
            Destination::ChatUpdate { channel, ts } => format!("slack:{channel} message {ts}"),
        }
    }
}

/// `url` without its query, fragment and credentials (a token may be
/// any of them): how a webhook's address is shown and logged.
pub fn bare_url(url: &str) -> String {
    let bare = url.split(['?', '#']).next().unwrap_or_default();
    let Some((scheme, rest)) = bare.split_once("://") else {
        return bare.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}{path}")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(url: &str) -> String {
        Destination::Webhook {
            url: url.into(),
            secret_env: "HOOK_SECRET".into(),
        }
        .label()
    }

    #[test]
    fn a_webhook_is_named_without_its_query_fragment_or_credentials() {
        assert_eq!(
            webhook("https://hooks.example.com/x/y?sig=SECRET&k=2#frag"),
            "webhook:https://hooks.example.com/x/y"
        );
        assert_eq!(
            webhook("https://bot:SECRET@hooks.example.com:8443/x"),
            "webhook:https://hooks.example.com:8443/x"
        );
        // An `@` in the path or query is not a credential's.
        assert_eq!(
            webhook("https://hooks.example.com/to/ada@example.com?a=b@c"),
            "webhook:https://hooks.example.com/to/ada@example.com"
        );
        assert_eq!(
            webhook("https://hooks.example.com"),
            "webhook:https://hooks.example.com"
        );
        assert!(!webhook("https://hooks.example.com/x?k=SECRET").contains("HOOK_SECRET"));
    }

    #[test]
    fn other_destinations_are_named_by_kind_and_address() {
        let named = |destination: Destination| destination.label();
        assert_eq!(
            named(Destination::Slack {
                channel: "C0123".into()
            }),
            "slack:C0123"
        );
        assert_eq!(
            named(Destination::Email {
                to: "ml@example.com".into()
            }),
            "email:ml@example.com"
        );
        assert_eq!(
            named(Destination::Sns {
                topic_arn: "arn:aws:sns:us-east-1:123456789012:reviews".into()
            }),
            "sns:arn:aws:sns:us-east-1:123456789012:reviews"
        );
        assert_eq!(
            named(Destination::ChatUpdate {
                channel: "C0123".into(),
                ts: "1700000000.000100".into()
            }),
            "slack:C0123 message 1700000000.000100"
        );
    }
}
