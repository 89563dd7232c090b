//! Slack through `ChannelAdapters`, against the Web API stand-in
//! (end2end/slack/standin.mjs) that `cargo xtask test` starts: each post or
//! update reaches it exactly once as Slack would receive it, and its
//! refusals, and a Slack that does not answer, are sorted as the outbox
//! needs. Calls are told apart by an id in each message's text, since
//! tests share the stand-in.

use crate::helpers::short_id;
use app::domain::notify::blocks;
use app::domain::notify::message::OutgoingMessage;
use app::domain::notify::Destination;
use app::ssr::ports::{Channels, ChatMessageRef, SendError, SystemClock};
use serde_json::{json, Value};
use server::config::{NotifyArgs, Secret};
use server::notify::ChannelAdapters;
use std::sync::Arc;

/// The channel the stand-in is started knowing.
pub(crate) const CHANNEL: &str = "C0REVIEWS";

pub(crate) fn api_url() -> String {
    std::env::var("SIGNOFF_TEST_SLACK_API_URL").expect(
        "SIGNOFF_TEST_SLACK_API_URL is not set: run the tests with `cargo xtask test`, which starts the Slack stand-in",
    )
}

pub(crate) fn token() -> String {
    std::env::var("SIGNOFF_TEST_SLACK_TOKEN")
        .expect("SIGNOFF_TEST_SLACK_TOKEN is not set: run the tests with `cargo xtask test`")
}

/// The secret the stand-in signs interactions with.
pub(crate) fn signing_secret() -> String {
    std::env::var("SIGNOFF_TEST_SLACK_SIGNING_SECRET").expect(
        "SIGNOFF_TEST_SLACK_SIGNING_SECRET is not set: run the tests with `cargo xtask test`",
    )
}

/// The adapters as the server builds them from its flags.
pub(crate) fn adapters(api_url: &str, token: &str) -> ChannelAdapters {
    let args = NotifyArgs {
        slack_api_url: api_url.to_owned(),
        slack_bot_token: Some(Secret(token.to_owned())),
        ..NotifyArgs::default()
    };
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    ChannelAdapters::from_args(&args, &sdk, Arc::new(SystemClock)).expect("adapters")
}

/// A message naming `id`, with a mention that must reach Slack escaped.
fn message(id: &str, headline: &str) -> OutgoingMessage {
    OutgoingMessage {
        subject: format!("{headline} ({id})"),
        text: format!("{headline}: churn-model v42 <!channel> ({id})"),
        html: String::new(),
        slack_blocks: vec![
            blocks::header(&format!("{headline}: churn-model v42")),
            blocks::section(&format!("Requested by ci@example.com ({id})")),
            blocks::decision_actions(id, &format!("https://signoff.example.com/reviews/{id}")),
        ],
        json: json!({}),
    }
}

fn slack(channel: &str) -> Destination {
    Destination::Slack {
        channel: channel.to_owned(),
    }
}

/// The stand-in's calls whose text names `id`.
pub(crate) async fn calls_about(id: &str) -> Vec<Value> {
    let base = api_url();
    let base = base.trim_end_matches('/').trim_end_matches("/api");
    let body = reqwest::get(format!("{base}/_calls"))
        .await
        .expect("the stand-in answers")
        .bytes()
        .await
        .expect("its calls");
    let all: Vec<Value> = serde_json::from_slice(&body).expect("a JSON list");
    all.into_iter()
        .filter(|call| {
            call["args"]["text"]
                .as_str()
                .is_some_and(|text| text.contains(id))
        })
        .collect()
}

fn permanent(result: Result<Option<ChatMessageRef>, SendError>) -> String {
    match result {
        Err(SendError::Permanent(text)) => text,
        other => panic!("expected a permanent failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_post_reaches_slack_once_and_returns_its_ts() {
    let id = short_id();
    let sent = message(&id, "Review waiting");
    let channels = adapters(&api_url(), &token());
    let chat = channels
        .send(&slack(CHANNEL), &sent)
        .await
        .expect("posted")
        .expect("a chat message comes back");
    let calls = calls_about(&id).await;
    assert_eq!(calls.len(), 1, "one send, one call: {calls:?}");
    let call = &calls[0];
    assert_eq!(call["method"], "chat.postMessage");
    assert_eq!(call["args"]["channel"], CHANNEL);
    assert_eq!(call["args"]["text"], sent.slack_text().as_str());
    assert!(
        !call["args"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("<!channel>"),
        "the mention is escaped"
    );
    assert_eq!(call["args"]["blocks"], json!(sent.slack_blocks));
    assert_eq!(call["answer"]["ok"], true);
    assert_eq!(
        chat,
        ChatMessageRef {
            channel: CHANNEL.into(),
            ts: call["answer"]["ts"].as_str().expect("a ts").into(),
        }
    );
}

#[tokio::test]
async fn an_update_replaces_the_posted_message() {
    let id = short_id();
    let channels = adapters(&api_url(), &token());
    let chat = channels
        .send(&slack(CHANNEL), &message(&id, "Review waiting"))
        .await
        .expect("posted")
        .expect("a chat message");
    let mut decided = message(&id, "Approved");
    decided.slack_blocks.pop();
    channels.update(&chat, &decided).await.expect("updated");
    let calls = calls_about(&id).await;
    let updates: Vec<&Value> = calls
        .iter()
        .filter(|c| c["method"] == "chat.update")
        .collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(updates.len(), 1, "one update, one call");
    let update = updates[0];
    assert_eq!(update["args"]["ts"], chat.ts.as_str());
    assert_eq!(update["args"]["channel"], CHANNEL);
    assert_eq!(update["args"]["text"], decided.slack_text().as_str());
    assert_eq!(update["args"]["blocks"], json!(decided.slack_blocks));
    assert_eq!(update["answer"]["ok"], true, "{update}");
    assert_eq!(
        update["answer"]["message"]["blocks"],
        json!(decided.slack_blocks)
    );
}

#[tokio::test]
async fn an_unknown_channel_fails_for_good() {
    let id = short_id();
    let channels = adapters(&api_url(), &token());
    let text = permanent(
        channels
            .send(&slack("C0NOSUCHCHANNEL"), &message(&id, "Review waiting"))
            .await,
    );
    assert!(text.contains("channel_not_found"), "{text}");
}

#[tokio::test]
async fn a_wrong_token_fails_for_good_and_is_never_shown() {
    let id = short_id();
    let channels = adapters(&api_url(), "xoxb-wrong-token-5e1f");
    let text = permanent(
        channels
            .send(&slack(CHANNEL), &message(&id, "Review waiting"))
            .await,
    );
    assert!(text.contains("invalid_auth"), "{text}");
    assert!(!text.contains("xoxb-wrong-token-5e1f"), "{text}");
    assert_eq!(calls_about(&id).await.len(), 1, "refused, not retried");
}

#[tokio::test]
async fn slack_not_answering_is_worth_retrying() {
    // Bound and dropped: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let channels = adapters(&format!("http://127.0.0.1:{port}/api"), &token());
    match channels
        .send(&slack(CHANNEL), &message(&short_id(), "Review waiting"))
        .await
    {
        Err(SendError::Transient(text)) => assert!(text.contains("chat.postMessage"), "{text}"),
        other => panic!("expected a transient failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_message_over_slacks_limits_is_refused_for_good() {
    let id = short_id();
    let mut sent = message(&id, "Review waiting");
    sent.slack_blocks = (0..60)
        .map(|n| blocks::section(&format!("line {n}")))
        .collect();
    let channels = adapters(&api_url(), &token());
    let text = permanent(channels.send(&slack(CHANNEL), &sent).await);
    assert!(text.contains("invalid_blocks"), "{text}");
    assert!(
        text.contains("60 blocks"),
        "Slack's reason is quoted: {text}"
    );
}
