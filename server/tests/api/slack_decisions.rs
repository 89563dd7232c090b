//! Deciding from Slack, end to end: a review posted to a Slack route of the
//! stand-in (end2end/slack/standin.mjs), its buttons pressed through the
//! stand-in, which signs each interaction as Slack does and sends it to
//! the test's server; the people behind the clicks signed in through the
//! real provider. Counted: what Step Functions, the review and the
//! stand-in's private answers received.

use crate::helpers::{config_file, sample_review, short_id, spawn_app_with, TestApp, PATIENCE};
use crate::http::ScratchDir;
use crate::signin::signed_in;
use app::domain::notify::blocks::{APPROVE_ACTION, REJECT_ACTION};
use serde_json::{json, Value};
use server::config::Secret;
use std::time::{Duration, Instant};

const CHANNEL: &str = "C0REVIEWS";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with `cargo xtask test`, which starts the Slack stand-in")
    })
}

/// The stand-in's own address (its Web API is under `/api`).
fn standin() -> String {
    env("SIGNOFF_TEST_SLACK_API_URL")
        .trim_end_matches('/')
        .trim_end_matches("/api")
        .to_owned()
}

/// A server posting reviews to the stand-in's channel, with Slack's
/// buttons on.
async fn slack_app() -> (TestApp, ScratchDir) {
    let (dir, config) = config_file(&format!(
        "[[notify.route]]\nname = \"reviewers\"\nevents = [\"arrived\"]\nslack = [\"{CHANNEL}\"]\n"
    ));
    let app = spawn_app_with(|args| {
        args.config = Some(config);
        args.notify.slack_api_url = env("SIGNOFF_TEST_SLACK_API_URL");
        args.notify.slack_bot_token = Some(Secret(env("SIGNOFF_TEST_SLACK_TOKEN")));
        args.notify.slack_signing_secret = Some(Secret(env("SIGNOFF_TEST_SLACK_SIGNING_SECRET")));
    })
    .await;
    (app, dir)
}

/// A review posted to the channel: its id and the message's `ts`.
async fn posted_review(app: &TestApp, change: impl FnOnce(&mut Value)) -> (String, String, String) {
    let id = short_id();
    let mut review = sample_review();
    review["title"] = json!(format!("Promote churn-model {id}"));
    change(&mut review);
    let (arn, review_id) = app.new_review(&review, &json!({})).await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let calls: Vec<Value> = get_json(&format!("{}/_calls", standin())).await;
        let posted = calls.iter().find(|call| {
            call["method"] == "chat.postMessage"
                && call["answer"]["ok"] == true
                && call["args"]["text"]
                    .as_str()
                    .is_some_and(|t| t.contains(&id))
        });
        if let Some(call) = posted {
            let ts = call["answer"]["ts"].as_str().expect("ts").to_owned();
            return (review_id, arn, ts);
        }
        assert!(
            Instant::now() < deadline,
            "the review was never posted to Slack"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> T {
    let body = reqwest::get(url)
        .await
        .expect("the stand-in answers")
        .bytes()
        .await
        .expect("body");
    serde_json::from_slice(&body).expect("JSON")
}

/// Has the stand-in send an interaction (`request` as its `/_interact`
/// takes it) to the app; its answer.
async fn interact(app: &TestApp, mut request: Value) -> Value {
    request["url"] = json!(format!("{}/slack/interactions", app.base));
    let answer = reqwest::Client::new()
        .post(format!("{}/_interact", standin()))
        .header("content-type", "application/json")
        .body(request.to_string())
        .send()
        .await
        .expect("the stand-in answers");
    let status = answer.status();
    let body: Value = serde_json::from_slice(&answer.bytes().await.expect("body")).expect("JSON");
    assert!(
        status.is_success(),
        "the stand-in refused {request}: {body}"
    );
    body
}

fn click(user: &str, ts: &str, action_id: &str) -> Value {
    json!({"type": "block_actions", "user": user, "channel": CHANNEL, "ts": ts, "action_id": action_id})
}

fn statuses(answer: &Value) -> Vec<u64> {
    answer["sent"]
        .as_array()
        .expect("sent")
        .iter()
        .map(|sent| sent["status"].as_u64().expect("status"))
        .collect()
}

/// The private answers the stand-in received for `user`'s interactions
/// about the message `ts`, waiting until there are `count`.
async fn private_answers(user: &str, ts: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let all: Vec<Value> = get_json(&format!("{}/_responses", standin())).await;
        let texts: Vec<String> = all
            .iter()
            .filter(|r| r["user"] == user && r["message_ts"] == ts)
            .filter_map(|r| r["body"]["text"].as_str().map(str::to_owned))
            .collect();
        if texts.len() >= count {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let all: Vec<Value> = get_json(&format!("{}/_responses", standin())).await;
            return all
                .iter()
                .filter(|r| r["user"] == user && r["message_ts"] == ts)
                .filter_map(|r| r["body"]["text"].as_str().map(str::to_owned))
                .collect();
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} private answers to {user}: {texts:?}",
            texts.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn decisions_of(app: &TestApp, review_id: &str) -> usize {
    app.review(review_id).await["decisions"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn approve_from_slack_resumes_the_workflow_and_answers_the_clicker() {
    let (app, _dir) = slack_app().await;
    signed_in(&app, "ada").await;
    let (review_id, arn, ts) = posted_review(&app, |_| {}).await;
    let answer = interact(&app, click("U0ADA", &ts, APPROVE_ACTION)).await;
    assert_eq!(statuses(&answer), [200]);
    assert!(
        answer["sent"][0]["ms"].as_f64().expect("ms") < 3_000.0,
        "acknowledged within Slack's three seconds"
    );
    app.wait_for_status(&review_id, "approved").await;
    let finished = app.finished_execution(&arn).await;
    assert_eq!(finished.status().as_str(), "SUCCEEDED");
    let said = private_answers("U0ADA", &ts, 1).await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].starts_with("Approved"), "{said:?}");
    let review = app.review(&review_id).await;
    assert_eq!(
        review["decisions"][0]["reviewer_label"], "ada@example.com",
        "{review}"
    );
    let audited = app.probe.audit_entries_of(&review_id, "approved").await;
    assert_eq!(
        audited
            .iter()
            .map(|(_, detail)| detail.as_deref())
            .collect::<Vec<_>>(),
        [Some("via Slack")],
        "the history says where it was decided"
    );
    app.stop().await;
}

#[tokio::test]
async fn reject_from_slack_needs_a_reason_and_fails_the_execution() {
    let (app, _dir) = slack_app().await;
    signed_in(&app, "bob").await;
    let (review_id, arn, ts) = posted_review(&app, |_| {}).await;
    let opened = interact(&app, click("U0BOB", &ts, REJECT_ACTION)).await;
    assert_eq!(statuses(&opened), [200]);
    let view_id = open_view_of("U0BOB").await;
    let empty = interact(
        &app,
        json!({"type": "view_submission", "user": "U0BOB", "view_id": view_id, "values": {"reason": "  "}}),
    )
    .await;
    assert_eq!(statuses(&empty), [200]);
    let errors: Value =
        serde_json::from_str(empty["sent"][0]["body"].as_str().unwrap_or("{}")).expect("JSON");
    assert_eq!(errors["response_action"], "errors", "{empty}");
    assert_eq!(errors["errors"]["reason"], "A rejection needs a reason.");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        decisions_of(&app, &review_id).await,
        0,
        "nothing decided without a reason"
    );
    let with_reason = interact(
        &app,
        json!({"type": "view_submission", "user": "U0BOB", "view_id": view_id, "values": {"reason": "Recall fell on the holdout."}}),
    )
    .await;
    assert_eq!(statuses(&with_reason), [200]);
    app.wait_for_status(&review_id, "rejected").await;
    let finished = app.finished_execution(&arn).await;
    assert_eq!(finished.status().as_str(), "FAILED");
    assert_eq!(finished.error(), Some("Signoff.Rejected"));
    let said = private_answers("U0BOB", &ts, 1).await;
    assert!(said.iter().any(|t| t.starts_with("Rejected")), "{said:?}");
    let audited = app.probe.audit_entries_of(&review_id, "rejected").await;
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(
        audited[0].1.as_deref(),
        Some("via Slack: Recall fell on the holdout.")
    );
    let review = app.review(&review_id).await;
    assert_eq!(
        review["decisions"][0]["comment"], "Recall fell on the holdout.",
        "the reason itself is kept as written"
    );
    app.stop().await;
}

/// The id of the form the stand-in has open for `user`.
async fn open_view_of(user: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let views: Vec<Value> = get_json(&format!("{}/_views", standin())).await;
        if let Some(view) = views
            .iter()
            .rev()
            .find(|v| v["user"] == user && v["open"] == true)
        {
            return view["id"].as_str().expect("id").to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no form opened for {user}: {views:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_requester_a_viewer_and_a_stranger_are_refused_privately() {
    let (app, _dir) = slack_app().await;
    for user in ["dana", "val"] {
        signed_in(&app, user).await;
    }
    let (review_id, _arn, ts) = posted_review(&app, |review| {
        review["requestedBy"] = json!("dana@example.com")
    })
    .await;
    for user in ["U0DANA", "U0VAL", "U0STRANGER", "U0NOOR"] {
        assert_eq!(
            statuses(&interact(&app, click(user, &ts, APPROVE_ACTION)).await),
            [200]
        );
    }
    let dana = private_answers("U0DANA", &ts, 1).await;
    assert!(dana[0].contains("You requested this review"), "{dana:?}");
    let val = private_answers("U0VAL", &ts, 1).await;
    assert!(
        val[0].contains("can view reviews but not decide"),
        "{val:?}"
    );
    let stranger = private_answers("U0STRANGER", &ts, 1).await;
    assert!(
        stranger[0].contains("does not know stranger@example.com yet"),
        "{stranger:?}"
    );
    let noor = private_answers("U0NOOR", &ts, 1).await;
    assert!(noor[0].contains("shows no e-mail"), "{noor:?}");
    assert_eq!(decisions_of(&app, &review_id).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn twenty_identical_clicks_a_double_click_retries_and_two_people_make_one_decision() {
    let (app, _dir) = slack_app().await;
    signed_in(&app, "ada").await;
    signed_in(&app, "bob").await;
    let (review_id, arn, ts) = posted_review(&app, |_| {}).await;
    let mut burst = click("U0ADA", &ts, APPROVE_ACTION);
    burst["copies"] = json!(20);
    // Ada's twenty copies of one click, a second click of hers and Bob's
    // click, all at once: sent together so that each still finds the
    // buttons (once the review is decided the message loses them, and
    // Slack would not send a later click at all).
    let (answer, bobs, second) = tokio::join!(
        interact(&app, burst),
        interact(&app, click("U0BOB", &ts, APPROVE_ACTION)),
        interact(&app, click("U0ADA", &ts, APPROVE_ACTION))
    );
    assert_eq!(statuses(&answer), [200; 20]);
    assert_eq!(statuses(&bobs), [200]);
    assert_eq!(statuses(&second), [200]);
    // Slack retries a delivery it thinks was lost: the same interaction again.
    let retried = interact(
        &app,
        json!({"replay": answer["interaction_id"], "retry": 1}),
    )
    .await;
    assert_eq!(statuses(&retried), [200]);
    app.wait_for_status(&review_id, "approved").await;
    let ada = private_answers("U0ADA", &ts, 2).await;
    assert_eq!(ada.len(), 2, "one answer per distinct click: {ada:?}");
    let bob = private_answers("U0BOB", &ts, 1).await;
    assert_eq!(bob.len(), 1, "{bob:?}");
    let all: Vec<&String> = ada.iter().chain(&bob).collect();
    assert_eq!(
        all.iter().filter(|t| t.starts_with("Approved")).count(),
        1,
        "one of the three clicks decided: {all:?}"
    );
    assert_eq!(
        all.iter().filter(|t| t.starts_with("Not recorded")).count(),
        2,
        "{all:?}"
    );
    assert_eq!(decisions_of(&app, &review_id).await, 1);
    let history = app.history(&arn).await;
    let successes = history
        .iter()
        .filter(|e| e.r#type().as_str() == "TaskSucceeded")
        .count();
    assert_eq!(successes, 1, "the workflow heard one decision");
    app.stop().await;
}

#[tokio::test]
async fn forged_stale_and_altered_interactions_are_refused_and_decide_nothing() {
    let (app, _dir) = slack_app().await;
    signed_in(&app, "ada").await;
    let (review_id, _arn, ts) = posted_review(&app, |_| {}).await;
    for tamper in [
        "forged",
        "stale",
        "wrong_secret",
        "body_altered",
        "no_signature",
    ] {
        let mut bad = click("U0ADA", &ts, APPROVE_ACTION);
        bad["tamper"] = json!(tamper);
        assert_eq!(statuses(&interact(&app, bad).await), [401], "{tamper}");
    }
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(decisions_of(&app, &review_id).await, 0);
    let all: Vec<Value> = get_json(&format!("{}/_responses", standin())).await;
    assert!(
        !all.iter().any(|r| r["message_ts"] == ts.as_str()),
        "nobody was answered: {all:?}"
    );
    app.stop().await;
}
