//! Generic webhooks: the notification's JSON POSTed to a URL with an HMAC
//! signature (`X-Signoff-Timestamp`, `X-Signoff-Signature: v1=…`, see
//! `app::domain::notify::signature`), so a receiver (a Teams workflow,
//! PagerDuty, a chat bot) can check it came from Signoff. The secret is
//! read from the environment variable the destination names. Redirects are
//! not followed (a signed body is for the URL configured, nowhere else),
//! and a URL's query string, which often holds a key, is never shown.

use app::domain::notify::message::OutgoingMessage;
use app::domain::notify::signature::{
    sign_webhook, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER,
};
use app::ssr::ports::{Clock, SendError};
use std::sync::Arc;

/// Where a secret is read, by its variable's name: the environment, or
/// (in tests, which must not change the process's environment while other
/// threads read it) a stand-in.
pub type SecretLookup = Arc<dyn Fn(&str) -> Result<String, std::env::VarError> + Send + Sync>;

/// POSTs signed notifications.
pub struct WebhookPoster {
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    secrets: SecretLookup,
}

impl WebhookPoster {
    /// Secrets from the environment.
    pub fn new(clock: Arc<dyn Clock>) -> Result<Self, String> {
        Self::with_secrets(clock, Arc::new(|name: &str| std::env::var(name)))
    }

    pub fn with_secrets(clock: Arc<dyn Clock>, secrets: SecretLookup) -> Result<Self, String> {
        let http = super::outbound_http("webhook")?;
        Ok(Self {
            http,
            clock,
            secrets,
        })
    }

    /// POSTs `message.json` to `url`, signed with the secret in the
    /// environment variable `secret_env`.
    pub async fn send(
        &self,
        url: &str,
        secret_env: &str,
        message: &OutgoingMessage,
    ) -> Result<(), SendError> {
        let shown = shown_url(url);
        let secret = secret((self.secrets)(secret_env), secret_env, &shown)?;
        let body = serde_json::to_vec(&message.json).map_err(|error| {
            SendError::Permanent(format!(
                "webhook {shown}: the body cannot be written ({error})"
            ))
        })?;
        let signed = sign_webhook(secret.as_bytes(), self.clock.now_ms() / 1000, &body);
        let answer = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(WEBHOOK_TIMESTAMP_HEADER, signed.timestamp)
            .header(WEBHOOK_SIGNATURE_HEADER, signed.signature)
            .body(body)
            .send()
            .await;
        match answer {
            Ok(response) => verdict(response.status().as_u16(), &shown),
            Err(error) => Err(failed(error, &shown)),
        }
    }
}

/// The secret, or why there is none (naming the variable, never a value).
fn secret(
    value: Result<String, std::env::VarError>,
    name: &str,
    shown: &str,
) -> Result<String, SendError> {
    match value {
        Ok(value) if !value.is_empty() => Ok(value),
        Ok(_) => Err(SendError::Permanent(format!(
            "webhook {shown}: its secret variable {name} is empty"
        ))),
        Err(std::env::VarError::NotPresent) => Err(SendError::Permanent(format!(
            "webhook {shown}: its secret variable {name} is not set"
        ))),
        Err(std::env::VarError::NotUnicode(_)) => Err(SendError::Permanent(format!(
            "webhook {shown}: its secret variable {name} is not valid UTF-8"
        ))),
    }
}

/// What an answer's status means: 2xx delivered; 408, 429 and 5xx later;
/// anything else (a 4xx, a redirect) will be answered the same way again.
fn verdict(status: u16, shown: &str) -> Result<(), SendError> {
    match status {
        200..=299 => Ok(()),
        408 | 429 | 500..=599 => Err(SendError::Transient(format!(
            "webhook {shown} answered {status}"
        ))),
        300..=399 => Err(SendError::Permanent(format!(
            "webhook {shown} answered {status} (a redirect; Signoff does not follow them: configure the final URL)"
        ))),
        _ => Err(SendError::Permanent(format!(
            "webhook {shown} answered {status}"
        ))),
    }
}

/// A request that got no answer. reqwest's message names the URL, query
/// string included: it is left out.
fn failed(error: reqwest::Error, shown: &str) -> SendError {
    let permanent = error.is_builder();
    let text = format!("webhook {shown}: {}", error.without_url());
    if permanent {
        SendError::Permanent(text)
    } else {
        // Timeouts, refused connections, a connection cut mid-answer.
        SendError::Transient(text)
    }
}

/// The URL as it may be shown: no query string, no fragment, no password.
fn shown_url(url: &str) -> String {
    app::domain::notify::bare_url(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(result: Result<(), SendError>) -> &'static str {
        match result {
            Ok(()) => "ok",
            Err(SendError::Transient(_)) => "transient",
            Err(SendError::Permanent(_)) => "permanent",
        }
    }

    #[test]
    fn statuses_are_sorted_as_the_outbox_needs() {
        for status in [200, 202, 204, 299] {
            assert_eq!(kind(verdict(status, "u")), "ok", "{status}");
        }
        for status in [408, 429, 500, 502, 503, 599] {
            assert_eq!(kind(verdict(status, "u")), "transient", "{status}");
        }
        for status in [301, 302, 307, 400, 401, 403, 404, 410, 422] {
            assert_eq!(kind(verdict(status, "u")), "permanent", "{status}");
        }
    }

    #[test]
    fn urls_are_shown_without_query_fragment_or_credentials() {
        assert_eq!(
            shown_url("https://hooks.example.com/in/abc?sig=s3cret&x=1#frag"),
            "https://hooks.example.com/in/abc"
        );
        assert_eq!(
            shown_url("https://user:pw@hooks.example.com/in"),
            "https://hooks.example.com/in",
            "a user name can be a token too"
        );
    }

    #[test]
    fn a_missing_secret_names_the_variable() {
        let name = "SIGNOFF_TEST_WEBHOOK_SECRET_NEVER_SET_4f1c";
        match secret(std::env::var(name), name, "https://hooks.example.com/in") {
            Err(SendError::Permanent(text)) => {
                assert!(text.contains(name), "{text}");
                assert!(text.contains("not set"), "{text}");
            }
            other => panic!("{other:?}"),
        }
    }
}
