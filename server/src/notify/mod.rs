//! The notification channels behind the `Channels` port: one thin adapter
//! each (Slack's Web API, SMTP e-mail, SNS, signed webhooks), and [`ChannelAdapters`], which
//! hands each destination to its adapter. What to send and when is decided
//! elsewhere (the outbox and its worker); adapters translate a message into
//! their channel's form and sort failures into transient and permanent.

pub mod email;
pub mod slack;
pub mod slack_interaction;
pub mod sns;
pub mod webhook;

use crate::config::NotifyArgs;
use app::domain::notify::message::OutgoingMessage;
use app::domain::notify::Destination;
use app::ssr::ports::{Channels, ChatMessageRef, Clock, SendError};
use async_trait::async_trait;
use aws_config::SdkConfig;
use std::sync::Arc;

/// What a Slack destination answers when no bot token is configured.
const SLACK_NOT_CONFIGURED: &str = "Slack is not configured (--slack-bot-token): start Signoff \
     with SIGNOFF_SLACK_BOT_TOKEN set to the Slack app's bot token to post to Slack";

/// What an e-mail destination answers when no SMTP server is configured.
const EMAIL_NOT_CONFIGURED: &str = "E-mail is not configured: start Signoff with --smtp-url \
     (SIGNOFF_SMTP_URL) and --email-from (SIGNOFF_EMAIL_FROM) to send e-mail notifications";

/// The HTTP client of an adapter that calls out (webhooks, Slack): no
/// redirects (one could carry a token or a signed body elsewhere), short
/// timeouts, Signoff's user agent. `what` names it in the error.
pub(crate) fn outbound_http(what: &str) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .connect_timeout(std::time::Duration::from_secs(3))
        .user_agent(concat!("Signoff/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| format!("the {what} HTTP client cannot start: {error}"))
}

/// Every channel's adapter, dispatched by the destination's kind.
pub struct ChannelAdapters {
    email: Option<email::EmailSender>,
    sns: sns::SnsPublisher,
    webhook: webhook::WebhookPoster,
    slack: Option<slack::SlackClient>,
}

impl ChannelAdapters {
    pub fn new(
        email: Option<email::EmailSender>,
        sns: sns::SnsPublisher,
        webhook: webhook::WebhookPoster,
    ) -> Self {
        Self {
            email,
            sns,
            webhook,
            slack: None,
        }
    }

    /// Posts Slack destinations through `slack` (without it, they fail as
    /// not configured).
    pub fn with_slack(mut self, slack: slack::SlackClient) -> Self {
        self.slack = Some(slack);
        self
    }

    /// Whether e-mail can be sent (`--smtp-url` and `--email-from`).
    pub fn sends_email(&self) -> bool {
        self.email.is_some()
    }

    fn slack(&self) -> Result<&slack::SlackClient, SendError> {
        self.slack
            .as_ref()
            .ok_or_else(|| SendError::Permanent(SLACK_NOT_CONFIGURED.into()))
    }

    /// From the settings: e-mail when `--smtp-url` is given (with
    /// `--email-from`), Slack when `--slack-bot-token` is, SNS through the
    /// AWS settings, webhooks always.
    pub fn from_args(
        args: &NotifyArgs,
        sdk: &SdkConfig,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let email = match (&args.smtp_url, &args.email_from) {
            (Some(url), Some(from)) => {
                Some(email::EmailSender::new(url, from).map_err(anyhow::Error::msg)?)
            }
            (Some(_), None) => anyhow::bail!(
                "--smtp-url is set but --email-from (SIGNOFF_EMAIL_FROM) is not: \
                 say who e-mail notifications come from, e.g. \"Signoff <signoff@example.com>\""
            ),
            (None, Some(_)) => anyhow::bail!(
                "--email-from is set but --smtp-url (SIGNOFF_SMTP_URL) is not: \
                 say which SMTP server sends e-mail notifications"
            ),
            (None, None) => None,
        };
        let adapters = Self::new(
            email,
            sns::SnsPublisher::new(crate::aws::sns_client(sdk)),
            webhook::WebhookPoster::new(clock).map_err(anyhow::Error::msg)?,
        );
        Ok(match &args.slack_bot_token {
            Some(token) => adapters.with_slack(
                slack::SlackClient::new(&args.slack_api_url, &token.0)
                    .map_err(anyhow::Error::msg)?,
            ),
            None => adapters,
        })
    }
}

#[async_trait]
impl Channels for ChannelAdapters {
    async fn send(
        &self,
        to: &Destination,
        message: &OutgoingMessage,
    ) -> Result<Option<ChatMessageRef>, SendError> {
        match to {
            Destination::Slack { channel } => self.slack()?.post(channel, message).await.map(Some),
            Destination::Email { to } => match &self.email {
                Some(sender) => sender.send(to, message).await.map(|()| None),
                None => Err(SendError::Permanent(EMAIL_NOT_CONFIGURED.into())),
            },
            Destination::Sns { topic_arn } => {
                self.sns.send(topic_arn, message).await.map(|()| None)
            }
            Destination::Webhook { url, secret_env } => self
                .webhook
                .send(url, secret_env, message)
                .await
                .map(|()| None),
            Destination::ChatUpdate { channel, ts } => {
                let chat = ChatMessageRef {
                    channel: channel.clone(),
                    ts: ts.clone(),
                };
                self.update(&chat, message).await.map(|()| None)
            }
        }
    }

    async fn update(
        &self,
        chat: &ChatMessageRef,
        message: &OutgoingMessage,
    ) -> Result<(), SendError> {
        self.slack()?.update(chat, message).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::ssr::ports::SystemClock;

    fn from(smtp_url: Option<&str>, email_from: Option<&str>) -> Result<(), String> {
        let args = NotifyArgs {
            smtp_url: smtp_url.map(str::to_owned),
            email_from: email_from.map(str::to_owned),
            ..NotifyArgs::default()
        };
        let sdk = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        ChannelAdapters::from_args(&args, &sdk, Arc::new(SystemClock))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn e_mail_needs_both_a_server_and_a_sender() {
        assert_eq!(from(None, None), Ok(()));
        assert_eq!(
            from(Some("smtp://127.0.0.1:25"), Some("signoff@example.com")),
            Ok(())
        );
        let no_sender = from(Some("smtp://u:hunter2@127.0.0.1:25"), None).unwrap_err();
        assert!(no_sender.contains("--email-from"), "{no_sender}");
        assert!(!no_sender.contains("hunter2"), "{no_sender}");
        let no_server = from(None, Some("signoff@example.com")).unwrap_err();
        assert!(no_server.contains("--smtp-url"), "{no_server}");
    }

    #[tokio::test]
    async fn slack_without_a_token_fails_for_good_naming_the_flag() {
        let sdk = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let adapters =
            ChannelAdapters::from_args(&NotifyArgs::default(), &sdk, Arc::new(SystemClock))
                .expect("adapters");
        let message = OutgoingMessage {
            subject: "s".into(),
            text: "t".into(),
            html: String::new(),
            slack_blocks: Vec::new(),
            json: serde_json::json!({}),
        };
        let to = Destination::Slack {
            channel: "C0REVIEWS".into(),
        };
        let chat = ChatMessageRef {
            channel: "C0REVIEWS".into(),
            ts: "1.2".into(),
        };
        let update = Destination::ChatUpdate {
            channel: chat.channel.clone(),
            ts: chat.ts.clone(),
        };
        for result in [
            adapters.send(&to, &message).await.map(|_| ()),
            adapters.update(&chat, &message).await,
            adapters.send(&update, &message).await.map(|_| ()),
        ] {
            match result {
                Err(SendError::Permanent(text)) => {
                    assert!(text.contains("--slack-bot-token"), "{text}")
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn the_slack_token_is_never_shown() {
        let args = NotifyArgs {
            slack_bot_token: Some(crate::config::Secret("xoxb-very-secret".into())),
            ..NotifyArgs::default()
        };
        let shown = format!("{args:?}");
        assert!(!shown.contains("xoxb-very-secret"), "{shown}");
        assert!(shown.contains("https://slack.com/api"), "{shown}");
    }
}
