//! No stale buttons: every Slack message posted about a review is updated
//! in place when the review changes, through the outbox, against the Web
//! API stand-in (calls told apart by an id in the review's title). Some
//! tests run the server's own notification worker; the others sweep by
//! hand (`Services::notify_due`, what the worker runs), so that what is
//! due together is known and each call can be counted exactly.

use crate::helpers::{
    config_file, create_queue, public_url, sample_review, short_id, spawn_app, spawn_app_with,
    TestApp, BOB, PATIENCE,
};
use crate::slack::{adapters, api_url, calls_about, signing_secret, token, CHANNEL};
use app::domain::decision::Verdict;
use app::domain::notify::message::OutgoingMessage;
use app::domain::notify::route::NotifySettings;
use app::domain::notify::Destination;
use app::domain::review::DeliveryState;
use app::ssr::notifications::Notifier;
use app::ssr::ports::{Channels, ChatMessageRef, SendError};
use app::ssr::Services;
use async_trait::async_trait;
use serde_json::{json, Value};
use server::config::Secret;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A review titled with `id`, so the stand-in's calls about it are found.
fn review_named(id: &str) -> Value {
    let mut review = sample_review();
    review["title"] = json!(format!("Promote churn-model {id}"));
    review
}

/// An app whose worker posts arrivals to the stand-in's channel.
async fn posting_app() -> (TestApp, crate::http::ScratchDir) {
    posting_app_with(|_| {}).await
}

/// [`posting_app`], changed by `customize`.
async fn posting_app_with(
    customize: impl FnOnce(&mut server::config::ServeArgs),
) -> (TestApp, crate::http::ScratchDir) {
    let (dir, config) = config_file(&format!(
        "[[notify.route]]\nname = \"reviewers\"\nevents = [\"arrived\"]\nslack = [\"{CHANNEL}\"]\n"
    ));
    let app = spawn_app_with(|args| {
        args.config = Some(config);
        args.notify.slack_api_url = api_url();
        args.notify.slack_bot_token = Some(Secret(token()));
        args.notify.slack_signing_secret = Some(Secret(signing_secret()));
        customize(args);
    })
    .await;
    (app, dir)
}

/// What the worker would use, for sweeping by hand on an app that runs no
/// notification worker: the same route, the app's database, `channels`.
async fn by_hand(app: &TestApp, channels: Arc<dyn Channels>) -> Notifier {
    by_hand_to(
        app,
        channels,
        json!({"name": "reviewers", "events": ["arrived"], "slack": [CHANNEL]}),
    )
    .await
}

/// [`by_hand`] with `route` as the only route.
async fn by_hand_to(app: &TestApp, channels: Arc<dyn Channels>, route: Value) -> Notifier {
    let stores = server::db::connect(&app.database_url)
        .await
        .expect("the app's database");
    let section = serde_json::from_value(json!({"notify_requester": false, "route": [route]}))
        .expect("a section");
    Notifier {
        outbox: stores.notifications,
        people: stores.people,
        channels,
        settings: Arc::new(NotifySettings::new(section).expect("valid")),
        public_url: public_url(),
        chat_decisions: true,
    }
}

async fn sweep(services: &Services, notifier: &Notifier) {
    services.notify_due(notifier, 50).await.expect("a sweep");
}

fn of(calls: &[Value], method: &str) -> Vec<Value> {
    calls
        .iter()
        .filter(|c| c["method"] == method)
        .cloned()
        .collect()
}

/// Waits until the stand-in got `count` calls of `method` about `id`, then
/// a little longer, and returns every call about it (so one too many shows).
async fn calls_once(id: &str, method: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + PATIENCE;
    while of(&calls_about(id).await, method).len() < count {
        assert!(
            Instant::now() < deadline,
            "{method} about {id}: {:?}",
            calls_about(id).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    calls_about(id).await
}

fn has_buttons(call: &Value) -> bool {
    call["args"]["blocks"]
        .as_array()
        .is_some_and(|blocks| blocks.iter().any(|b| b["type"] == "actions"))
}

fn text(call: &Value) -> String {
    call["args"]["text"].as_str().unwrap_or_default().to_owned()
}

/// Where the stand-in says a post went.
fn posted(call: &Value) -> (String, String) {
    (
        call["answer"]["channel"]
            .as_str()
            .expect("a channel")
            .into(),
        call["answer"]["ts"].as_str().expect("a ts").into(),
    )
}

fn updated(call: &Value) -> (String, String) {
    (
        call["args"]["channel"].as_str().expect("a channel").into(),
        call["args"]["ts"].as_str().expect("a ts").into(),
    )
}

#[tokio::test]
async fn a_web_decision_replaces_the_buttons_with_the_outcome_in_one_update() {
    let id = short_id();
    let app = spawn_app().await;
    let services = app.services();
    let notifier = by_hand(&app, Arc::new(adapters(&api_url(), &token()))).await;
    let (_arn, review_id) = app.new_review(&review_named(&id), &json!({})).await;
    sweep(&services, &notifier).await;
    let calls = calls_about(&id).await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(has_buttons(&calls[0]), "the arrival asks for a decision");
    let message = posted(&calls[0]);

    let (status, body) = app.decide(&review_id, "approve", "looks good").await;
    assert_eq!(status, 200, "{body}");
    app.wait_for_delivery(&review_id, "delivered", 1).await;
    // The decision and its delivery, routed and sent in one sweep; a second
    // sweep has nothing left to do.
    sweep(&services, &notifier).await;
    sweep(&services, &notifier).await;
    let calls = calls_about(&id).await;
    let updates = of(&calls, "chat.update");
    println!("after a web decision: {updates:?}");
    assert_eq!(calls.len(), 2, "one post, one update: {calls:?}");
    assert_eq!(updates.len(), 1, "{updates:?}");
    let update = &updates[0];
    assert_eq!(updated(update), message, "the posted message, in place");
    assert_eq!(update["answer"]["ok"], true, "{update}");
    assert!(!has_buttons(update), "no button outlives the review");
    let shown = text(update);
    assert!(shown.contains("Approved, delivered"), "{shown}");
    assert!(shown.contains("Approved by ada"), "who decided: {shown}");
    assert!(shown.contains(" UTC"), "and when: {shown}");
    let rows: Vec<(String, String)> = app
        .probe
        .notifications_of(&review_id)
        .await
        .into_iter()
        .map(|n| (n.route, n.state))
        .collect();
    assert_eq!(
        rows,
        [
            ("reviewers".to_owned(), "sent".to_owned()),
            ("(update)".to_owned(), "sent".to_owned()),
            ("(update)".to_owned(), "sent".to_owned()),
        ],
        "an update per event (approved, delivered), sent as one call"
    );
    app.stop().await;
}

/// A review (titled with an id, changed by `change`) whose arrival the
/// app's own worker posted; the app, the review's id, the id, and where
/// the message was posted.
struct Posted {
    app: TestApp,
    _config: crate::http::ScratchDir,
    id: String,
    arn: String,
    review_id: String,
    message: (String, String),
}

async fn posted_by_the_worker(change: impl FnOnce(&mut Value)) -> Posted {
    posted_on(posting_app().await, change).await
}

/// [`posted_by_the_worker`] on an app of the test's own.
async fn posted_on(
    (app, config): (TestApp, crate::http::ScratchDir),
    change: impl FnOnce(&mut Value),
) -> Posted {
    let id = short_id();
    let mut review = review_named(&id);
    change(&mut review);
    let (arn, review_id) = app.new_review(&review, &json!({})).await;
    let calls = calls_once(&id, "chat.postMessage", 1).await;
    let message = posted(&of(&calls, "chat.postMessage")[0]);
    Posted {
        app,
        _config: config,
        id,
        arn,
        review_id,
        message,
    }
}

impl Posted {
    /// The one update the message got (waiting for it), after its post.
    async fn only_update(&self) -> Value {
        let calls = calls_once(&self.id, "chat.update", 1).await;
        let updates = of(&calls, "chat.update");
        println!("updates: {updates:?}");
        assert_eq!(calls.len(), 2, "one post, one update: {calls:?}");
        assert_eq!(updated(&updates[0]), self.message, "in place");
        updates[0].clone()
    }
}

#[tokio::test]
async fn one_approval_of_two_keeps_the_buttons_and_says_so() {
    let posted = posted_by_the_worker(|review| review["requiredApprovals"] = json!(2)).await;
    let (status, body) = posted.app.decide(&posted.review_id, "approve", "").await;
    assert_eq!(status, 200, "{body}");
    let update = posted.only_update().await;
    assert!(
        has_buttons(&update),
        "the next reviewer still decides from it"
    );
    let shown = text(&update);
    assert!(shown.contains("1 of 2 approvals"), "{shown}");
    assert!(shown.contains("Approved by ada"), "{shown}");
    posted.app.stop().await;
}

#[tokio::test]
async fn a_withdrawn_approval_updates_the_message_back_to_waiting() {
    let posted = posted_by_the_worker(|review| review["requiredApprovals"] = json!(2)).await;
    let (status, body) = posted.app.decide(&posted.review_id, "approve", "").await;
    assert_eq!(status, 200, "{body}");
    assert!(text(&posted.only_update().await).contains("1 of 2 approvals"));
    let (status, body) = posted
        .app
        .call(
            "withdraw",
            &[
                ("id", posted.review_id.as_str()),
                ("reason", "wrong eval set"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let calls = calls_once(&posted.id, "chat.update", 2).await;
    let updates = of(&calls, "chat.update");
    assert_eq!(calls.len(), 3, "one post, two updates: {calls:?}");
    assert_eq!(updated(&updates[1]), posted.message, "in place");
    assert!(has_buttons(&updates[1]), "it waits for approvals again");
    let shown = text(&updates[1]);
    assert!(shown.contains("0 of 2"), "{shown}");
    assert!(!shown.contains("Approved by ada"), "{shown}");
    posted.app.stop().await;
}

#[tokio::test]
async fn an_expired_review_loses_its_buttons() {
    let posted = posted_by_the_worker(|review| review["timeoutSeconds"] = json!(5)).await;
    posted
        .app
        .wait_for_status(&posted.review_id, "expired")
        .await;
    let update = posted.only_update().await;
    assert!(!has_buttons(&update));
    let shown = text(&update);
    assert!(
        shown.contains("Expired") && shown.contains("before anyone decided"),
        "{shown}"
    );
    posted.app.stop().await;
}

/// Without a signing secret Slack's buttons cannot decide, so the message
/// carries none but the link to the review.
#[tokio::test]
async fn without_a_signing_secret_a_message_only_links_to_the_review() {
    let app = posting_app_with(|args| args.notify.slack_signing_secret = None).await;
    let posted = posted_on(app, |_| {}).await;
    let calls = calls_about(&posted.id).await;
    let post = &of(&calls, "chat.postMessage")[0];
    let actions: Vec<String> = post["args"]["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter(|block| block["type"] == "actions")
        .flat_map(|block| block["elements"].as_array().cloned().unwrap_or_default())
        .map(|button| button["action_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(actions, ["signoff_open"], "{post}");
    posted.app.stop().await;
}

/// The workflow stopped from outside Signoff, as its status event tells
/// (the emulator keeps a stopped execution running, so the clock's own
/// check cannot see it): the review closes, and the message follows.
#[tokio::test]
async fn a_review_closed_upstream_loses_its_buttons() {
    let events = create_queue("events").await;
    let app = posting_app_with(|args| args.events_queue_url = Some(events.clone())).await;
    let posted = posted_on(app, |_| {}).await;
    let event = json!({
        "version": "0", "detail-type": "Step Functions Execution Status Change", "source": "aws.states",
        "detail": {"executionArn": posted.arn, "status": "ABORTED", "error": null, "cause": null}
    });
    posted
        .app
        .sqs
        .send_message()
        .queue_url(&events)
        .message_body(event.to_string())
        .send()
        .await
        .expect("the status event is queued");
    posted
        .app
        .wait_for_status(&posted.review_id, "closed_upstream")
        .await;
    let update = posted.only_update().await;
    assert!(!has_buttons(&update));
    let shown = text(&update);
    assert!(shown.contains("Closed upstream"), "{shown}");
    posted.app.stop().await;
}

#[tokio::test]
async fn an_update_slack_refuses_for_good_ends_failed_and_audited() {
    let id = short_id();
    let app = spawn_app().await;
    let services = app.services();
    let notifier = by_hand(&app, Arc::new(adapters(&api_url(), &token()))).await;
    let (_arn, review_id) = app.new_review(&review_named(&id), &json!({})).await;
    // A message Slack no longer has (deleted in the channel, say).
    let gone_ts = "1000000000.000001";
    app.probe
        .remember_chat_message(&review_id, CHANNEL, gone_ts)
        .await;
    sweep(&services, &notifier).await;
    let (status, body) = app.decide(&review_id, "approve", "").await;
    assert_eq!(status, 200, "{body}");
    app.wait_for_delivery(&review_id, "delivered", 1).await;
    for _ in 0..3 {
        sweep(&services, &notifier).await;
    }
    let calls = calls_about(&id).await;
    let updates = of(&calls, "chat.update");
    println!("updates of a real and a gone message: {updates:?}");
    assert_eq!(updates.len(), 2, "one per message, none retried: {calls:?}");
    let refused: Vec<&Value> = updates
        .iter()
        .filter(|u| u["args"]["ts"] == gone_ts)
        .collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["answer"]["error"], "message_not_found");
    let failed: Vec<_> = app
        .probe
        .notifications_of(&review_id)
        .await
        .into_iter()
        .filter(|n| n.state == "failed")
        .collect();
    assert!(!failed.is_empty());
    for row in &failed {
        assert_eq!(row.route, "(update)");
        let error = row.last_error.clone().unwrap_or_default();
        assert!(error.contains("message_not_found"), "{error}");
    }
    let audited = app
        .probe
        .audit_entries_of(&review_id, "notification failed")
        .await;
    assert_eq!(audited.len(), 1, "one refused call, one entry: {audited:?}");
    let detail = audited[0].1.clone().unwrap_or_default();
    assert!(
        detail.contains(&format!("(update) to slack:{CHANNEL} message {gone_ts}"))
            && detail.contains("message_not_found"),
        "{detail}"
    );
    app.stop().await;
}

/// Slack as the race sees it: while the first post is in flight, the review
/// is decided (through the decision service the web uses) and the decision
/// is routed, so no update was queued for a message not recorded yet.
struct DecidedWhilePosting {
    slack: server::notify::ChannelAdapters,
    services: Services,
    /// The same outbox and route, over plain adapters.
    routing: Notifier,
    decided: AtomicBool,
}

impl DecidedWhilePosting {
    async fn delivered(&self, review_id: &str) -> bool {
        let review = self.services.store.review(review_id).await.expect("read");
        review
            .and_then(|r| r.delivery)
            .is_some_and(|d| d.state == DeliveryState::Delivered)
    }
}

#[async_trait]
impl Channels for DecidedWhilePosting {
    async fn send(
        &self,
        to: &Destination,
        message: &OutgoingMessage,
    ) -> Result<Option<ChatMessageRef>, SendError> {
        let posted = self.slack.send(to, message).await;
        if !self.decided.swap(true, Ordering::SeqCst) {
            let review_id = message.json["review"]["id"].as_str().expect("an id");
            self.services
                .decide(&BOB.actor(), review_id, Verdict::Approve, "")
                .await
                .expect("decided");
            // Delivered too: no later event routes after the post is
            // recorded, which would hide the race.
            let deadline = Instant::now() + PATIENCE;
            while !self.delivered(review_id).await {
                assert!(Instant::now() < deadline, "{review_id} is not delivered");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            self.services
                .notify_due(&self.routing, 50)
                .await
                .expect("the decision routed");
        }
        posted
    }

    async fn update(
        &self,
        chat: &ChatMessageRef,
        message: &OutgoingMessage,
    ) -> Result<(), SendError> {
        self.slack.update(chat, message).await
    }
}

#[tokio::test]
async fn a_review_decided_while_its_message_is_posted_still_loses_its_buttons() {
    let id = short_id();
    let app = spawn_app().await;
    let services = app.services();
    let routing = by_hand(&app, Arc::new(adapters(&api_url(), &token()))).await;
    let racing = Arc::new(DecidedWhilePosting {
        slack: adapters(&api_url(), &token()),
        services: services.clone(),
        routing,
        decided: AtomicBool::new(false),
    });
    let notifier = by_hand(&app, racing).await;
    let (_arn, review_id) = app.new_review(&review_named(&id), &json!({})).await;
    sweep(&services, &notifier).await;
    let calls = calls_about(&id).await;
    assert_eq!(of(&calls, "chat.postMessage").len(), 1, "{calls:?}");
    assert!(
        of(&calls, "chat.update").is_empty(),
        "the decision found no message to update"
    );
    assert!(has_buttons(&calls[0]), "posted while it was pending");
    let message = posted(&calls[0]);
    let rows = app.probe.notifications_of(&review_id).await;
    assert_eq!(
        rows.iter().map(|n| n.route.as_str()).collect::<Vec<_>>(),
        ["reviewers", "(update)"],
        "recording the message queued its update: {rows:?}"
    );
    sweep(&services, &notifier).await;
    sweep(&services, &notifier).await;
    let calls = calls_about(&id).await;
    let updates = of(&calls, "chat.update");
    println!("after the race: {updates:?}");
    assert_eq!(updates.len(), 1, "{calls:?}");
    assert_eq!(updated(&updates[0]), message);
    assert!(!has_buttons(&updates[0]));
    assert!(
        text(&updates[0]).contains("Approved"),
        "{}",
        text(&updates[0])
    );
    assert!(
        text(&updates[0]).contains("by bob"),
        "{}",
        text(&updates[0])
    );
    app.stop().await;
}

#[tokio::test]
async fn a_digest_lists_reviews_without_buttons_and_is_never_updated() {
    let id = short_id();
    let app = spawn_app().await;
    let services = app.services();
    let route =
        json!({"name": "busy", "events": ["arrived"], "slack": [CHANNEL], "digest_minutes": 60});
    let notifier = by_hand_to(&app, Arc::new(adapters(&api_url(), &token())), route).await;
    let mut reviews = Vec::new();
    for n in 1..=2 {
        let review = review_named(&format!("{id} part {n}"));
        reviews.push(app.new_review(&review, &json!({})).await.1);
    }
    sweep(&services, &notifier).await;
    assert!(calls_about(&id).await.is_empty(), "the window is open");
    for review_id in &reviews {
        app.probe.make_notifications_due(review_id).await;
    }
    sweep(&services, &notifier).await;
    let calls = calls_about(&id).await;
    assert_eq!(calls.len(), 1, "one digest: {calls:?}");
    assert!(
        text(&calls[0]).contains("2 new reviews waiting"),
        "{}",
        text(&calls[0])
    );
    assert!(!has_buttons(&calls[0]), "a digest links to its reviews");

    let (status, body) = app.decide(&reviews[0], "approve", "").await;
    assert_eq!(status, 200, "{body}");
    app.wait_for_delivery(&reviews[0], "delivered", 1).await;
    sweep(&services, &notifier).await;
    sweep(&services, &notifier).await;
    let calls = calls_about(&id).await;
    assert_eq!(
        of(&calls, "chat.update").len(),
        0,
        "one review's outcome never overwrites the list: {calls:?}"
    );
    let routes: Vec<String> = app
        .probe
        .notifications_of(&reviews[0])
        .await
        .into_iter()
        .map(|n| n.route)
        .collect();
    assert_eq!(routes, ["busy"], "nothing to update");
    app.stop().await;
}
