//! E-mail through an SMTP server (`lettre`): one multipart/alternative
//! message per send, with the notification's text and HTML parts and its
//! subject. SMTP's own classes decide what is retried: a 4xx reply, a
//! refused connection or a timeout is transient; a 5xx reply or an address
//! that is not one is permanent.

use app::domain::notify::message::OutgoingMessage;
use app::ssr::ports::SendError;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP exchange may take (connect, each command's reply).
const TIMEOUT: Duration = Duration::from_secs(10);

/// Sends notifications as e-mail from one sender through one SMTP server.
pub struct EmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The server as shown in messages: the URL without its password.
    server: String,
}

impl EmailSender {
    /// From `--smtp-url` and `--email-from`; a mistake in either is an
    /// error naming the flag (and never the URL's password). Call it on
    /// the runtime: the connection pool keeps a task there.
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, String> {
        let server = crate::redact::url(smtp_url);
        let from: Mailbox = from
            .parse()
            .map_err(|error| format!("--email-from {from:?} is not an e-mail address ({error})"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|error| {
                format!(
                    "--smtp-url {server} is not usable ({error}); give smtp://host:port, \
                     smtp://host:port?tls=required or smtps://host:port"
                )
            })?
            .timeout(Some(TIMEOUT))
            .build();
        Ok(Self {
            transport,
            from,
            server,
        })
    }

    /// The server, as it may be shown (no password).
    pub fn server(&self) -> &str {
        &self.server
    }

    pub async fn send(&self, to: &str, message: &OutgoingMessage) -> Result<(), SendError> {
        let email = self.build(to, message)?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(error) => Err(classify(&error, to, &self.server)),
        }
    }

    fn build(&self, to: &str, message: &OutgoingMessage) -> Result<Message, SendError> {
        let recipient: Mailbox = to.parse().map_err(|error| {
            SendError::Permanent(format!("e-mail to {to:?}: not an e-mail address ({error})"))
        })?;
        Message::builder()
            .from(self.from.clone())
            .to(recipient)
            .subject(message.subject.clone())
            // Relays and spam filters expect one; lettre makes it unique.
            .message_id(None)
            .multipart(MultiPart::alternative_plain_html(
                message.text.clone(),
                message.html.clone(),
            ))
            .map_err(|error| {
                SendError::Permanent(format!(
                    "e-mail to {to}: the message cannot be built ({error})"
                ))
            })
    }
}

/// SMTP's verdict, as the outbox needs it.
fn classify(error: &lettre::transport::smtp::Error, to: &str, server: &str) -> SendError {
    let text = format!("e-mail to {to} through {server}: {error}");
    if error.is_permanent() {
        SendError::Permanent(text)
    } else {
        // 4xx replies, refused connections, timeouts, TLS and protocol
        // trouble: the server (or the way to it) may be back later.
        SendError::Transient(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> OutgoingMessage {
        OutgoingMessage {
            subject: "Review waiting: churn-model v42".into(),
            text: "Plain text".into(),
            html: "<p>HTML</p>".into(),
            slack_blocks: Vec::new(),
            json: serde_json::json!({}),
        }
    }

    // Building the transport starts its connection pool's task: a runtime.
    #[tokio::test]
    async fn settings_that_cannot_work_are_refused_without_the_password() {
        let bad_from = EmailSender::new("smtp://127.0.0.1:25", "not an address")
            .err()
            .unwrap_or_default();
        assert!(bad_from.contains("--email-from"), "{bad_from}");
        let bad_url = EmailSender::new("imap://user:hunter2@mail.example.com", "a@example.com")
            .err()
            .unwrap_or_default();
        assert!(bad_url.contains("--smtp-url"), "{bad_url}");
        assert!(!bad_url.contains("hunter2"), "{bad_url}");
        let sender = EmailSender::new(
            "smtps://user:hunter2@mail.example.com",
            "Signoff <signoff@example.com>",
        )
        .map_err(|e| e.to_string());
        assert_eq!(
            sender.as_ref().map(EmailSender::server),
            Ok("smtps://user@mail.example.com")
        );
    }

    #[tokio::test]
    async fn a_bad_address_is_permanent_and_the_message_has_both_parts() {
        let sender =
            EmailSender::new("smtp://127.0.0.1:25", "signoff@example.com").expect("settings");
        assert!(matches!(
            sender.build("not an address", &message()),
            Err(SendError::Permanent(_))
        ));
        let built = sender.build("ada@example.com", &message()).expect("built");
        let raw = String::from_utf8_lossy(&built.formatted()).into_owned();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains("text/plain") && raw.contains("text/html"),
            "{raw}"
        );
        assert!(
            raw.contains("Subject: Review waiting: churn-model v42"),
            "{raw}"
        );
    }
}
