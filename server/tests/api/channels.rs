//! The notification channels through `ChannelAdapters`, against the real
//! parts: e-mail to the SMTP server `cargo xtask test` starts (read back
//! from its Maildir and parsed as MIME), SNS to a topic in the emulator
//! with an SQS queue subscribed (read back from the queue), and webhooks to
//! a receiver in the test. Each checks that exactly one message arrives per
//! send, as it was given, and how failures are sorted.

use crate::helpers::{emulator_endpoint, short_id, PATIENCE};
use app::domain::notify::message::OutgoingMessage;
use app::domain::notify::signature::{
    verify_webhook, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER,
};
use app::domain::notify::Destination;
use app::ssr::ports::{Channels, ChatMessageRef, SendError, SystemClock};
use axum::http::{HeaderMap, StatusCode};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{json, Value};
use server::aws::sdk_config;
use server::config::{AwsArgs, NotifyArgs};
use server::notify::webhook::WebhookPoster;
use server::notify::ChannelAdapters;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long to keep looking for a second, unwanted copy of a message.
const SETTLE: Duration = Duration::from_millis(1500);

pub fn smtp_url() -> String {
    std::env::var("SIGNOFF_TEST_SMTP_URL").expect(
        "SIGNOFF_TEST_SMTP_URL is not set: run the tests with `cargo xtask test`, which starts the SMTP server",
    )
}

pub fn maildir() -> PathBuf {
    std::env::var("SIGNOFF_TEST_MAILDIR")
        .expect("SIGNOFF_TEST_MAILDIR is not set: run the tests with `cargo xtask test`")
        .into()
}

async fn sdk() -> aws_config::SdkConfig {
    sdk_config(&AwsArgs {
        endpoint_url: Some(emulator_endpoint()),
        region: None,
    })
    .await
}

/// The adapters as the server builds them, e-mail through `smtp_url`.
async fn adapters(smtp_url: Option<String>) -> ChannelAdapters {
    let args = NotifyArgs {
        email_from: smtp_url
            .as_ref()
            .map(|_| "Signoff <signoff@example.com>".into()),
        smtp_url,
        ..NotifyArgs::default()
    };
    ChannelAdapters::from_args(&args, &sdk().await, Arc::new(SystemClock)).expect("adapters")
}

/// A message whose every part names `id`, with text that needs encoding.
fn message(id: &str) -> OutgoingMessage {
    OutgoingMessage {
        subject: format!("Review waiting: churn-model v42 ({id})"),
        text: format!(
            "Promote churn-model v42 to production ({id})\nRequested by ci@example.com — 2 thresholds fail: auc −0.04\nhttps://signoff.example.com/reviews/{id}"
        ),
        html: format!(
            "<p>Promote <b>churn-model v42</b> to production ({id})</p><p>Requested by ci@example.com &mdash; 2 thresholds fail</p><p><a href=\"https://signoff.example.com/reviews/{id}\">Open the review</a></p>"
        ),
        slack_blocks: Vec::new(),
        json: json!({
            "event": "review.arrived",
            "review": {"id": id, "title": "Promote churn-model v42 to production", "model": "churn-model"},
            "link": format!("https://signoff.example.com/reviews/{id}"),
            "note": "naïve ✓"
        }),
    }
}

fn normalized(text: &str) -> String {
    text.replace("\r\n", "\n").trim_end().to_owned()
}

/// The Maildir's messages whose `X-RcptTo` (the envelope recipient, which
/// aiosmtpd's Mailbox handler records) is `to`: raw bytes, one per message.
pub fn delivered_to(to: &str) -> Vec<Vec<u8>> {
    delivered_to_in(&maildir(), to)
}

/// [`delivered_to`] in the Maildir `maildir` (an SMTP server a test started).
pub fn delivered_to_in(maildir: &std::path::Path, to: &str) -> Vec<Vec<u8>> {
    let new = maildir.join("new");
    let Ok(entries) = std::fs::read_dir(&new) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| std::fs::read(entry.ok()?.path()).ok())
        .filter(|raw| {
            MessageParser::default()
                .parse(raw)
                .and_then(|mail| mail.header_raw("X-RcptTo").map(|v| v.trim() == to))
                .unwrap_or(false)
        })
        .collect()
}

/// Waits for a message to `to`, then a little longer: exactly one arrived.
async fn the_one_message_to(to: &str) -> Vec<u8> {
    let deadline = Instant::now() + PATIENCE;
    while delivered_to(to).is_empty() {
        assert!(
            Instant::now() < deadline,
            "no e-mail to {to} reached the SMTP server"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(SETTLE).await;
    let mut found = delivered_to(to);
    assert_eq!(found.len(), 1, "one send, one e-mail to {to}");
    found.remove(0)
}

#[tokio::test]
async fn an_email_arrives_once_with_its_text_and_html_parts() {
    let id = short_id();
    let to = format!("ada+{id}@example.com");
    let sent = message(&id);
    let channels = adapters(Some(smtp_url())).await;
    let answer = channels
        .send(&Destination::Email { to: to.clone() }, &sent)
        .await;
    assert_eq!(answer, Ok(None), "e-mail has no chat message to remember");

    let raw = the_one_message_to(&to).await;
    let mail = MessageParser::default()
        .parse(&raw)
        .expect("a MIME message");
    let from = mail.from().and_then(|a| a.first()).expect("a From address");
    assert_eq!(from.address(), Some("signoff@example.com"));
    assert_eq!(from.name(), Some("Signoff"));
    let recipients: Vec<_> = mail
        .to()
        .map(|a| a.iter().filter_map(|addr| addr.address()).collect())
        .unwrap_or_default();
    assert_eq!(recipients, vec![to.as_str()]);
    assert_eq!(mail.subject(), Some(sent.subject.as_str()));
    assert!(mail.message_id().is_some(), "a Message-ID");
    let content_type = mail.content_type().expect("a content type");
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(mail.text_body.len(), 1, "one text part");
    assert_eq!(mail.html_body.len(), 1, "one HTML part");
    let text = mail.body_text(0).expect("a text part");
    let html = mail.body_html(0).expect("an HTML part");
    assert_eq!(normalized(&text), normalized(&sent.text));
    assert_eq!(normalized(&html), normalized(&sent.html));
}

#[tokio::test]
async fn email_is_transient_when_the_server_is_down_and_permanent_when_unconfigured() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let down = adapters(Some(format!("smtp://127.0.0.1:{port}"))).await;
    let to = Destination::Email {
        to: "ada@example.com".into(),
    };
    match down.send(&to, &message(&short_id())).await {
        Err(SendError::Transient(text)) => {
            assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}")
        }
        other => panic!("a server that is down is worth retrying: {other:?}"),
    }
    let unconfigured = adapters(None).await;
    match unconfigured.send(&to, &message(&short_id())).await {
        Err(SendError::Permanent(text)) => assert!(text.contains("--smtp-url"), "{text}"),
        other => panic!("no SMTP server configured never works: {other:?}"),
    }
    match down
        .send(
            &Destination::Email {
                to: "not an address".into(),
            },
            &message(&short_id()),
        )
        .await
    {
        Err(SendError::Permanent(_)) => {}
        other => panic!("a bad address never works: {other:?}"),
    }
}

/// A topic with an SQS queue subscribed (SNS's JSON envelope, not raw).
pub async fn topic_with_queue(id: &str) -> (String, String, aws_sdk_sqs::Client) {
    let sdk = sdk().await;
    let sns = aws_sdk_sns::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let topic_arn = sns
        .create_topic()
        .name(format!("signoff-test-{id}"))
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("topic ARN");
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("signoff-test-sns-{id}"))
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("queue URL");
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .cloned()
        })
        .expect("queue ARN");
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn)
        .send()
        .await
        .expect("subscription");
    (topic_arn, queue_url, sqs)
}

pub async fn receive(sqs: &aws_sdk_sqs::Client, queue_url: &str, wait_seconds: i32) -> Vec<String> {
    sqs.receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait_seconds)
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.body)
        .collect()
}

#[tokio::test]
async fn an_sns_publish_reaches_the_subscribed_queue_once() {
    let id = short_id();
    let (topic_arn, queue_url, sqs) = topic_with_queue(&id).await;
    let sent = message(&id);
    let channels = adapters(None).await;
    let answer = channels
        .send(
            &Destination::Sns {
                topic_arn: topic_arn.clone(),
            },
            &sent,
        )
        .await;
    assert_eq!(answer, Ok(None));

    let deadline = Instant::now() + PATIENCE;
    let mut bodies = Vec::new();
    while bodies.is_empty() {
        assert!(
            Instant::now() < deadline,
            "nothing reached the subscribed queue"
        );
        bodies = receive(&sqs, &queue_url, 2).await;
    }
    // Anything else sent would be there by now.
    bodies.extend(receive(&sqs, &queue_url, 1).await);
    assert_eq!(bodies.len(), 1, "one publish, one message: {bodies:?}");
    let envelope: Value = serde_json::from_str(&bodies[0]).expect("SNS's JSON envelope");
    assert_eq!(envelope["TopicArn"], topic_arn.as_str());
    assert_eq!(envelope["Subject"], sent.subject.as_str());
    assert_eq!(envelope["Message"], sent.text.as_str());
}

#[tokio::test]
async fn a_topic_that_does_not_exist_is_permanent() {
    let channels = adapters(None).await;
    let topic_arn = format!(
        "arn:aws:sns:us-east-1:123456789012:no-such-topic-{}",
        short_id()
    );
    match channels
        .send(
            &Destination::Sns {
                topic_arn: topic_arn.clone(),
            },
            &message(&short_id()),
        )
        .await
    {
        Err(SendError::Permanent(text)) => assert!(text.contains(&topic_arn), "{text}"),
        other => panic!("a missing topic never appears by retrying: {other:?}"),
    }
}

/// One request a receiver got.
#[derive(Clone)]
struct Received {
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A webhook receiver on 127.0.0.1: `/ok` answers 204, `/broken` 500,
/// `/gone` 404, `/moved` a redirect to `/ok`; every request is recorded.
async fn receiver() -> (String, Arc<Mutex<Vec<Received>>>) {
    let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let record = record.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20)
                .await
                .map(|b| b.to_vec())
                .unwrap_or_default();
            let path = parts.uri.path().to_owned();
            record.lock().unwrap().push(Received {
                path: path.clone(),
                query: parts.uri.query().map(str::to_owned),
                headers: parts.headers,
                body,
            });
            match path.as_str() {
                "/ok" => (StatusCode::NO_CONTENT, HeaderMap::new()),
                "/broken" => (StatusCode::INTERNAL_SERVER_ERROR, HeaderMap::new()),
                "/moved" => {
                    let mut headers = HeaderMap::new();
                    headers.insert("location", "/ok".parse().unwrap());
                    (StatusCode::FOUND, headers)
                }
                _ => (StatusCode::NOT_FOUND, HeaderMap::new()),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, seen)
}

/// Adapters whose webhook secrets come from `secrets` (name → value); the
/// process's environment is left alone (other tests read it meanwhile).
async fn adapters_with_secrets(
    secrets: &'static [(&'static str, &'static str)],
) -> ChannelAdapters {
    let sdk = sdk().await;
    let lookup = Arc::new(move |name: &str| {
        secrets
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
            .ok_or(std::env::VarError::NotPresent)
    });
    ChannelAdapters::new(
        None,
        server::notify::sns::SnsPublisher::new(server::aws::sns_client(&sdk)),
        WebhookPoster::with_secrets(Arc::new(SystemClock), lookup).expect("webhook client"),
    )
}

const HOOK_SECRET_ENV: &str = "SIGNOFF_TEST_HOOK_SECRET";
const HOOK_SECRET: &str = "whsec-test-1b2c3d";

fn hook(base: &str, path: &str) -> Destination {
    Destination::Webhook {
        url: format!("{base}{path}?key=query-secret-value"),
        secret_env: HOOK_SECRET_ENV.into(),
    }
}

#[tokio::test]
async fn a_webhook_is_posted_once_with_its_json_and_a_signature_that_verifies() {
    let (base, seen) = receiver().await;
    let channels = adapters_with_secrets(&[(HOOK_SECRET_ENV, HOOK_SECRET)]).await;
    let sent = message(&short_id());
    assert_eq!(channels.send(&hook(&base, "/ok"), &sent).await, Ok(None));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "one send, one request");
    let got = &requests[0];
    assert_eq!(got.path, "/ok");
    assert_eq!(got.query.as_deref(), Some("key=query-secret-value"));
    assert_eq!(got.headers["content-type"], "application/json");
    let body: Value = serde_json::from_slice(&got.body).expect("a JSON body");
    assert_eq!(body, sent.json, "the message's JSON, unchanged");
    let header = |name: &str| got.headers.get(name).and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    let check = |secret: &str| {
        verify_webhook(
            secret.as_bytes(),
            header(WEBHOOK_TIMESTAMP_HEADER),
            header(WEBHOOK_SIGNATURE_HEADER),
            &got.body,
            now,
        )
    };
    assert_eq!(check(HOOK_SECRET), Ok(()));
    assert!(
        check("another-secret").is_err(),
        "another secret does not verify"
    );
}

#[tokio::test]
async fn webhook_failures_are_sorted_and_never_show_the_query_string() {
    let (base, seen) = receiver().await;
    let channels = adapters_with_secrets(&[(HOOK_SECRET_ENV, HOOK_SECRET)]).await;
    let sent = message(&short_id());
    let shown = |result: Result<Option<ChatMessageRef>, SendError>| {
        let text = match &result {
            Err(SendError::Transient(t)) | Err(SendError::Permanent(t)) => t.clone(),
            Ok(_) => String::new(),
        };
        assert!(!text.contains("query-secret-value"), "{text}");
        result
    };
    assert!(matches!(
        shown(channels.send(&hook(&base, "/broken"), &sent).await),
        Err(SendError::Transient(_))
    ));
    assert!(matches!(
        shown(channels.send(&hook(&base, "/gone"), &sent).await),
        Err(SendError::Permanent(_))
    ));
    // Not followed: the receiver sees /moved only, never /ok.
    assert!(matches!(
        shown(channels.send(&hook(&base, "/moved"), &sent).await),
        Err(SendError::Permanent(_))
    ));
    let paths: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        ["/broken", "/gone", "/moved"],
        "one request per send"
    );

    // Nothing listens there: worth retrying.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    assert!(matches!(
        shown(
            channels
                .send(&hook(&format!("http://127.0.0.1:{port}"), "/ok"), &sent)
                .await
        ),
        Err(SendError::Transient(_))
    ));
}

#[tokio::test]
async fn a_webhook_whose_secret_variable_is_unset_is_permanent_and_sends_nothing() {
    let (base, seen) = receiver().await;
    // The environment itself: a variable nobody sets.
    let channels = adapters(None).await;
    let missing = format!("SIGNOFF_TEST_UNSET_SECRET_{}", short_id().to_uppercase());
    let to = Destination::Webhook {
        url: format!("{base}/ok"),
        secret_env: missing.clone(),
    };
    match channels.send(&to, &message(&short_id())).await {
        Err(SendError::Permanent(text)) => {
            assert!(text.contains(&missing), "names the variable: {text}")
        }
        other => panic!("a missing secret never appears by retrying: {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "no request without a secret"
    );
}

#[tokio::test]
async fn slack_answers_not_configured_for_now() {
    let channels = adapters(None).await;
    let sent = message(&short_id());
    let slack = Destination::Slack {
        channel: "C0123".into(),
    };
    assert!(matches!(
        channels.send(&slack, &sent).await,
        Err(SendError::Permanent(text)) if text.contains("Slack is not configured")
    ));
    let chat = ChatMessageRef {
        channel: "C0123".into(),
        ts: "1.2".into(),
    };
    assert!(matches!(
        channels.update(&chat, &sent).await,
        Err(SendError::Permanent(_))
    ));
}
