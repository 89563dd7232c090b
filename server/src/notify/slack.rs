//! Slack's Web API, the two calls notifications need: `chat.postMessage`
//! (a message with Block Kit blocks, whose channel and `ts` come back so it
//! can be edited later) and `chat.update` (the same message, replaced once
//! the review changes). The bot token goes in the `Authorization` header,
//! never in a URL, a log line or an error. Slack answers most failures with
//! HTTP 200 and `{"ok": false, "error": "…"}`: those are sorted here into
//! worth retrying (rate limits, Slack's own trouble) and not.

use app::domain::notify::message::OutgoingMessage;
use app::ssr::ports::{ChatMessageRef, SendError};
use serde_json::{json, Value};

/// Slack's error codes that mean "try again later"; any other is answered
/// the same way every time (an unknown channel, a bad token, a message
/// Slack refuses).
const TRANSIENT_ERRORS: &[&str] = &[
    "ratelimited",
    "rate_limited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

/// How many of Slack's explanations (`response_metadata.messages`, e.g.
/// which block is invalid) an error quotes, and how long each may be.
const MAX_DETAILS: usize = 3;
const MAX_DETAIL_CHARS: usize = 200;

/// Posts and updates messages as one bot.
pub struct SlackClient {
    http: reqwest::Client,
    api_url: String,
    token: String,
}

impl SlackClient {
    /// `api_url` is the Web API's base (`https://slack.com/api`), to which
    /// each method's name is appended.
    pub fn new(api_url: &str, token: &str) -> Result<Self, String> {
        if token.trim().is_empty() {
            return Err("--slack-bot-token (SIGNOFF_SLACK_BOT_TOKEN) is empty".into());
        }
        let http = super::outbound_http("Slack")?;
        Ok(Self {
            http,
            api_url: api_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    /// Posts `message` to `channel`: its escaped text (Slack's notification
    /// and fallback) and its blocks. Returns where it was posted.
    pub async fn post(
        &self,
        channel: &str,
        message: &OutgoingMessage,
    ) -> Result<ChatMessageRef, SendError> {
        let answer = self
            .call("chat.postMessage", post_body(channel, message))
            .await?;
        posted(&answer)
    }

    /// Replaces the message at `chat` with `message`.
    pub async fn update(
        &self,
        chat: &ChatMessageRef,
        message: &OutgoingMessage,
    ) -> Result<(), SendError> {
        let mut body = post_body(&chat.channel, message);
        body["ts"] = json!(chat.ts);
        self.call("chat.update", body).await.map(|_| ())
    }

    /// The e-mail on Slack user `user_id`'s profile (`users.info`, which
    /// needs the `users:read.email` scope); `None` when it shows none.
    pub async fn user_email(&self, user_id: &str) -> Result<Option<String>, SendError> {
        let answer = self.call("users.info", json!({ "user": user_id })).await?;
        Ok(answer["user"]["profile"]["email"]
            .as_str()
            .filter(|email| !email.trim().is_empty())
            .map(str::to_owned))
    }

    /// Opens `view` (a modal) for the person whose interaction minted
    /// `trigger_id` (valid for three seconds).
    pub async fn open_view(&self, trigger_id: &str, view: &Value) -> Result<(), SendError> {
        self.call(
            "views.open",
            json!({ "trigger_id": trigger_id, "view": view }),
        )
        .await
        .map(|_| ())
    }

    /// Posts `body` to an interaction's `response_url`. Only Slack's own
    /// hooks (or, with a stand-in, the Web API's origin) are called: the URL
    /// came in a signed payload, but it is still not ours to follow anywhere.
    pub async fn respond(&self, response_url: &str, body: &Value) -> Result<(), SendError> {
        if !self.may_respond_to(response_url) {
            return Err(SendError::Permanent(
                "Slack's response_url is not on hooks.slack.com (nor the --slack-api-url origin)"
                    .into(),
            ));
        }
        let answer = self
            .http
            .post(response_url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|error| failed("response_url", error))?;
        match answer.status().as_u16() {
            200..=299 => Ok(()),
            status @ (429 | 500..=599) => Err(SendError::Transient(format!(
                "Slack's response_url answered HTTP {status}"
            ))),
            status => Err(SendError::Permanent(format!(
                "Slack's response_url answered HTTP {status}"
            ))),
        }
    }

    fn may_respond_to(&self, response_url: &str) -> bool {
        let origin = |url: &str| {
            url::Url::parse(url)
                .ok()
                .map(|url| url.origin().ascii_serialization())
        };
        let Some(target) = origin(response_url) else {
            return false;
        };
        target == "https://hooks.slack.com" || Some(target) == origin(&self.api_url)
    }

    /// One Web API call; Slack's answer when it says `ok`.
    async fn call(&self, method: &str, body: Value) -> Result<Value, SendError> {
        let answer = self
            .http
            .post(format!("{}/{method}", self.api_url))
            .bearer_auth(&self.token)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(body.to_string())
            .send()
            .await
            .map_err(|error| failed(method, error))?;
        let status = answer.status().as_u16();
        let retry_after = answer
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let bytes = answer
            .bytes()
            .await
            .map_err(|error| failed(method, error))?;
        verdict(method, status, retry_after.as_deref(), &bytes)
    }
}

/// `chat.postMessage`'s arguments (`chat.update` adds `ts`). The top-level
/// text is `slack_text()`, escaped: Slack reads it as mrkdwn.
fn post_body(channel: &str, message: &OutgoingMessage) -> Value {
    json!({
        "channel": channel,
        "text": message.slack_text(),
        "blocks": message.slack_blocks,
        "unfurl_links": false,
        "unfurl_media": false,
    })
}

/// Where Slack says the message went (the channel's id, even when it was
/// posted to a name).
fn posted(answer: &Value) -> Result<ChatMessageRef, SendError> {
    match (answer["channel"].as_str(), answer["ts"].as_str()) {
        (Some(channel), Some(ts)) if !channel.is_empty() && !ts.is_empty() => Ok(ChatMessageRef {
            channel: channel.to_owned(),
            ts: ts.to_owned(),
        }),
        // Posted, but it cannot be edited later: retrying would post twice.
        _ => Err(SendError::Permanent(
            "Slack chat.postMessage answered ok without the message's channel and ts".into(),
        )),
    }
}

/// What an answer means: its HTTP status first (429 and 5xx later), then
/// Slack's `ok` and `error`.
fn verdict(
    method: &str,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> Result<Value, SendError> {
    match status {
        200..=299 => {}
        429 => {
            let wait = retry_after
                .map(|s| format!(" (retry after {} s)", cut(s, 10)))
                .unwrap_or_default();
            return Err(SendError::Transient(format!(
                "Slack {method}: rate limited{wait}"
            )));
        }
        408 | 500..=599 => {
            return Err(SendError::Transient(format!(
                "Slack {method} answered HTTP {status}"
            )))
        }
        300..=399 => {
            return Err(SendError::Permanent(format!(
                "Slack {method} answered HTTP {status} (a redirect; Signoff does not follow them: check --slack-api-url)"
            )))
        }
        _ => {
            return Err(SendError::Permanent(format!(
                "Slack {method} answered HTTP {status}"
            )))
        }
    }
    let answer: Value = serde_json::from_slice(body).map_err(|_| {
        SendError::Permanent(format!(
            "Slack {method} answered something that is not Slack's JSON: check --slack-api-url"
        ))
    })?;
    if answer["ok"].as_bool() == Some(true) {
        return Ok(answer);
    }
    let error = answer["error"].as_str().unwrap_or("no error given");
    let text = format!(
        "Slack {method} refused: {}{}",
        cut(error, 100),
        details(&answer)
    );
    if TRANSIENT_ERRORS.contains(&error) {
        Err(SendError::Transient(text))
    } else {
        Err(SendError::Permanent(text))
    }
}

/// Slack's explanations of an error, e.g. which block broke which limit.
fn details(answer: &Value) -> String {
    let messages: Vec<String> = answer["response_metadata"]["messages"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .take(MAX_DETAILS)
                .map(|m| cut(m, MAX_DETAIL_CHARS))
                .collect()
        })
        .unwrap_or_default();
    if messages.is_empty() {
        String::new()
    } else {
        format!(" ({})", messages.join("; "))
    }
}

/// At most `max` characters of what Slack sent, on one line.
fn cut(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A request that got no answer. The URL holds no secret; it is left out
/// all the same, as the webhooks do.
fn failed(method: &str, error: reqwest::Error) -> SendError {
    let permanent = error.is_builder();
    let text = format!("Slack {method}: {}", error.without_url());
    if permanent {
        SendError::Permanent(text)
    } else {
        // Timeouts, refused connections, a connection cut mid-answer.
        SendError::Transient(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(result: &Result<Value, SendError>) -> &'static str {
        match result {
            Ok(_) => "ok",
            Err(SendError::Transient(_)) => "transient",
            Err(SendError::Permanent(_)) => "permanent",
        }
    }

    fn slack_says(error: &str) -> Result<Value, SendError> {
        let body = json!({"ok": false, "error": error}).to_string();
        verdict("chat.postMessage", 200, None, body.as_bytes())
    }

    #[test]
    fn slack_errors_are_sorted_as_the_outbox_needs() {
        for error in ["ratelimited", "internal_error", "service_unavailable"] {
            assert_eq!(kind(&slack_says(error)), "transient", "{error}");
        }
        for error in [
            "channel_not_found",
            "not_in_channel",
            "invalid_auth",
            "not_authed",
            "account_inactive",
            "msg_too_long",
            "invalid_blocks",
            "no_text",
            "message_not_found",
            "cant_update_message",
            "something_new",
        ] {
            assert_eq!(kind(&slack_says(error)), "permanent", "{error}");
        }
        let ok = verdict("chat.update", 200, None, br#"{"ok":true,"ts":"1.2"}"#);
        assert_eq!(kind(&ok), "ok");
    }

    #[test]
    fn http_statuses_come_before_slacks_answer() {
        let rate = verdict("chat.postMessage", 429, Some("30"), b"");
        assert_eq!(
            rate,
            Err(SendError::Transient(
                "Slack chat.postMessage: rate limited (retry after 30 s)".into()
            ))
        );
        for status in [408, 500, 502, 503] {
            assert_eq!(kind(&verdict("m", status, None, b"")), "transient");
        }
        for status in [301, 400, 401, 404] {
            assert_eq!(kind(&verdict("m", status, None, b"")), "permanent");
        }
        let html = verdict("m", 200, None, b"<html>not slack</html>");
        assert_eq!(kind(&html), "permanent");
        assert!(format!("{html:?}").contains("--slack-api-url"));
    }

    #[test]
    fn an_error_quotes_slacks_reasons_cut_and_on_one_line() {
        let body = json!({"ok": false, "error": "invalid_blocks", "response_metadata": {
            "messages": ["block 0 too long\nforged line", "b", "c", "d"]}});
        let Err(SendError::Permanent(text)) = verdict("m", 200, None, body.to_string().as_bytes())
        else {
            panic!("permanent");
        };
        assert_eq!(
            text,
            "Slack m refused: invalid_blocks (block 0 too long forged line; b; c)"
        );
    }

    #[test]
    fn a_post_needs_the_channel_and_ts_back() {
        let answer = json!({"ok": true, "channel": "C0REVIEWS", "ts": "1700000000.000100"});
        assert_eq!(
            posted(&answer),
            Ok(ChatMessageRef {
                channel: "C0REVIEWS".into(),
                ts: "1700000000.000100".into()
            })
        );
        assert!(matches!(
            posted(&json!({"ok": true})),
            Err(SendError::Permanent(_))
        ));
    }

    #[test]
    fn the_text_is_slack_text_and_the_blocks_are_the_messages() {
        let message = OutgoingMessage {
            subject: "s".into(),
            text: "<!channel> a & b".into(),
            html: String::new(),
            slack_blocks: vec![json!({"type": "divider"})],
            json: json!({}),
        };
        let body = post_body("C1", &message);
        assert_eq!(body["channel"], "C1");
        assert_eq!(body["text"], message.slack_text());
        assert_ne!(body["text"], message.text, "escaped, not the plain text");
        assert_eq!(body["blocks"], json!([{"type": "divider"}]));
    }

    #[test]
    fn answers_go_only_to_slacks_hooks_or_the_api_origin() {
        let slack = SlackClient::new("https://slack.com/api", "xoxb-1").expect("client");
        assert!(slack.may_respond_to("https://hooks.slack.com/actions/T0/1/abc"));
        assert!(!slack.may_respond_to("http://hooks.slack.com/actions/T0/1/abc"));
        assert!(!slack.may_respond_to("https://hooks.slack.com.evil.io/x"));
        assert!(!slack.may_respond_to("http://169.254.169.254/latest/meta-data"));
        assert!(!slack.may_respond_to("not a url"));
        let standin = SlackClient::new("http://127.0.0.1:2800/api", "xoxb-1").expect("client");
        assert!(standin.may_respond_to("http://127.0.0.1:2800/_respond/7"));
        assert!(!standin.may_respond_to("http://127.0.0.1:2801/_respond/7"));
    }

    #[test]
    fn an_empty_token_is_refused_at_start() {
        assert!(SlackClient::new("https://slack.com/api", " ").is_err());
        assert!(SlackClient::new("https://slack.com/api", "xoxb-1").is_ok());
    }
}
