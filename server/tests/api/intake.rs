//! Intake through SQS: executions become reviews; bad, duplicate and
//! token-leaking messages are handled without losing anything.

use crate::helpers::{emulator_endpoint, sample_review, spawn_app, LEE, PATIENCE, ROOT};
use crate::recorder::{calls, Recording};
use crate::server_functions::{self, call_raw, get_raw};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[tokio::test]
async fn an_execution_of_the_shipped_state_machine_becomes_a_pending_review() {
    let app = spawn_app().await;
    let (arn, id) = app.new_review(&sample_review(), &json!({"run": 7})).await;

    let review = app.review(&id).await;
    assert_eq!(review["title"], "Promote churn-model v42 to production");
    assert_eq!(review["status"], "pending");
    assert_eq!(review["execution_arn"], arn.as_str());
    assert_eq!(review["state_name"], "RequestApproval");
    assert_eq!(
        review["metrics"][1]["check"], "fail",
        "flagged_rate breaches its max"
    );
    let deadline =
        review["deadline_ms"].as_i64().unwrap() - review["entered_at_ms"].as_i64().unwrap();
    assert_eq!(
        deadline, 3_600_000,
        "deadline = entered time + timeoutSeconds"
    );
    let (status, queue) = app.call("queue", &[("query", "")]).await;
    assert_eq!(status, 200);
    assert_eq!(queue["items"][0]["id"], id.as_str());
    assert_eq!(queue["items"][0]["failing_thresholds"], 1);
    app.stop().await;
}

#[tokio::test]
async fn malformed_messages_are_recorded_kept_and_do_not_stop_the_worker() {
    let app = spawn_app().await;
    app.send_raw("this is not JSON").await;
    app.send_raw(
        &json!({
            "taskToken": "made-up-token-for-a-bad-request",
            "executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:bad",
            "stateName": "RequestApproval",
            "enteredTime": "2026-11-21T08:00:00Z",
            "review": {"title": "", "model": {"name": "m", "version": "1"}, "metrics": {}, "requestedBy": "ci"}
        })
        .to_string(),
    )
    .await;

    app.sign_in_as(ROOT).await;
    let rejected = app.wait_for_rejected_intake(2).await;
    let reasons: Vec<String> = rejected
        .iter()
        .flat_map(|r| r["reasons"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("(message): is not valid JSON")),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"review.title: must not be empty".to_owned()),
        "{reasons:?}"
    );
    let listed = serde_json::to_string(&rejected).unwrap();
    assert!(
        !listed.contains("made-up-token-for-a-bad-request"),
        "the token is redacted: {listed}"
    );

    // Neither message was deleted: they stay for the dead-letter policy.
    assert_eq!(app.messages_on_queue().await, 2);

    // The worker is still there for the next good request.
    let (_, id) = app.new_review(&sample_review(), &json!({})).await;
    assert_eq!(app.review(&id).await["status"], "pending");
    app.stop().await;
}

/// A bad review from the shipped state machine: its waiting execution is
/// failed at once with `Signoff.InvalidRequest` naming the reason (one
/// `SendTaskFailure`, counted as it reaches the emulator), not left to time out.
#[tokio::test]
async fn a_rejected_request_fails_its_waiting_execution_with_signoff_invalid_request() {
    let app = spawn_app().await;
    let recording = Recording::start(&emulator_endpoint()).await;
    let mut review = sample_review();
    review["title"] = json!("");
    let arn = app.start_execution(&review, &json!({})).await;

    let execution = app.finished_execution(&arn).await;
    assert_eq!(*execution.status(), ExecutionStatus::Failed);
    assert_eq!(execution.error(), Some("Signoff.InvalidRequest"));
    // Kept for the dead-letter policy, the message comes back (every
    // second here); the workflow, told once, is not told again.
    app.sign_in_as(ROOT).await;
    let deadline = Instant::now() + PATIENCE;
    let rejected = loop {
        let rejected = app.wait_for_rejected_intake(1).await;
        if rejected[0]["workflow_notified"] == true
            && rejected[0]["receive_count"].as_u64() >= Some(2)
        {
            break rejected;
        }
        assert!(Instant::now() < deadline, "{rejected:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0]["execution_arn"], arn.as_str());
    assert_eq!(
        app.probe.reviews_stored().await,
        0,
        "no review was made of it"
    );

    // The token the execution sent, from its history (the rejection keeps
    // none): the workflow was answered once, with the reasons (moto keeps
    // no cause: it is read from the call that reached it).
    let history = app.history(&arn).await;
    let parameters: Value = history
        .iter()
        .find_map(|e| e.task_scheduled_event_details())
        .map(|d| serde_json::from_str(d.parameters()).unwrap())
        .expect("the task was scheduled");
    let body = &parameters["MessageBody"];
    let body: Value = match body.as_str() {
        Some(text) => serde_json::from_str(text).unwrap(),
        None => body.clone(),
    };
    let token = body["taskToken"].as_str().expect("the task's token");
    let requests = recording.requests_with_token(token).await;
    let operations: Vec<&str> = calls(&requests)
        .iter()
        .map(|c| c.operation.as_str())
        .collect();
    assert_eq!(operations, ["SendTaskFailure"], "{requests:?}");
    let failure = &requests[0].body;
    assert_eq!(failure["error"], "Signoff.InvalidRequest");
    let cause: Value = serde_json::from_str(failure["cause"].as_str().unwrap()).unwrap();
    assert_eq!(
        cause,
        json!({"reasons": ["review.title: must not be empty"]})
    );
    drop(recording);
    app.stop().await;
}

#[tokio::test]
async fn a_duplicate_message_creates_no_second_review() {
    let app = spawn_app().await;
    let message = json!({
        "taskToken": format!("duplicate-token-{}", uuid::Uuid::new_v4()),
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:dup",
        "stateName": "RequestApproval",
        "enteredTime": "2026-11-21T08:00:00.000Z",
        "review": sample_review(),
    })
    .to_string();
    app.send_raw(&message).await;
    app.send_raw(&message).await;
    let id = app
        .wait_for_review("arn:aws:states:us-east-1:123456789012:execution:m:dup")
        .await;

    // Both messages are consumed (deleted), yet only one review exists.
    for _ in 0..100 {
        if app.messages_on_queue().await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.messages_on_queue().await, 0, "both copies were deleted");
    assert_eq!(app.probe.reviews_stored().await, 1);
    assert_eq!(app.probe.audit_count("received").await, 1);
    assert_eq!(app.review(&id).await["status"], "pending");
    app.stop().await;
}

#[tokio::test]
async fn the_task_token_never_reaches_the_browser() {
    let app = spawn_app().await;
    let (_, id) = app.new_review(&sample_review(), &json!({"k": "v"})).await;
    let stored = app.probe.task_token(&id).await;
    let token = stored.expose();
    assert!(token.len() >= 16, "a real token was stored");

    // What every server function answers about the review: to its reviewer
    // while it waits (`None`: not called, it decides), then to an admin
    // once it is decided. A function added later needs its row here.
    let expected: BTreeMap<&str, (Option<u16>, u16)> = BTreeMap::from([
        ("/api/artefact_links", (Some(200), 200)),
        ("/api/artefact_preview", (Some(200), 200)),
        ("/api/artefacts", (Some(200), 200)),
        ("/api/audit", (Some(403), 200)),
        ("/api/decide", (None, 409)),
        ("/api/decide_many", (None, 200)),
        ("/api/execution", (Some(200), 200)),
        ("/api/filter_values", (Some(200), 200)),
        ("/api/me", (Some(200), 200)),
        ("/api/notifications", (Some(403), 200)),
        ("/api/overview", (Some(403), 200)),
        ("/api/preflight", (Some(200), 200)),
        ("/api/queue", (Some(200), 200)),
        ("/api/rejected_intake", (Some(403), 200)),
        ("/api/review", (Some(200), 200)),
        ("/api/review_summary", (Some(200), 200)),
        ("/api/settings", (Some(403), 200)),
        ("/api/withdraw", (None, 409)),
    ]);
    assert_eq!(
        expected
            .keys()
            .map(|path| path.to_string())
            .collect::<Vec<_>>(),
        server_functions::registered()
            .into_keys()
            .collect::<Vec<_>>(),
        "every server function is checked"
    );
    // Every answer, whatever its status, is searched before its status is
    // checked: a refusal or an error page must not carry the token either.
    let check = |what: &str, wanted: u16, (status, body): (u16, String)| {
        assert!(
            !body.contains(token),
            "{what} answered {status} with the task token"
        );
        assert_eq!(status, wanted, "{what}: {body}");
        body
    };
    let arguments = server_functions::arguments(&id);
    let review_page = format!("/reviews/{id}");

    let page = check("page", 200, get_raw(&app, &review_page).await);
    assert!(
        page.contains("Promote churn-model v42"),
        "the page rendered the review"
    );
    check("queue page", 200, get_raw(&app, "/").await);
    for (path, (waiting, _)) in &expected {
        if let Some(status) = waiting {
            check(path, *status, call_raw(&app, path, &arguments).await);
        }
    }
    let decided = check(
        "decision",
        200,
        call_raw(&app, "/api/decide", &arguments).await,
    );
    let receipt: serde_json::Value = serde_json::from_str(&decided).unwrap();
    assert_eq!(receipt["status"], "approved", "the decision was made");

    app.sign_in_as(ROOT).await;
    for (path, (_, after)) in &expected {
        check(path, *after, call_raw(&app, path, &arguments).await);
    }
    for path in [
        review_page.as_str(),
        "/",
        "/audit",
        "/overview",
        "/intake/rejected",
        "/notifications",
        "/settings",
        "/audit/export.csv",
        "/audit/export.jsonl",
    ] {
        check(path, 200, get_raw(&app, path).await);
    }
    app.stop().await;
}

/// Issue 15's poison message: a timeout past any date once panicked the
/// poller's deadline arithmetic, and every message after it waited forever.
#[tokio::test]
async fn a_timeout_past_step_functions_limit_is_rejected_and_intake_goes_on() {
    let app = spawn_app().await;
    let mut poison = sample_review();
    poison["timeoutSeconds"] = json!(10_000_000_000_000_u64);
    app.send_raw(
        &json!({
            "taskToken": format!("poison-token-{}", uuid::Uuid::new_v4()),
            "executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:poison",
            "stateName": "RequestApproval",
            "enteredTime": "2026-11-21T08:00:00Z",
            "review": poison,
        })
        .to_string(),
    )
    .await;
    let (_, id) = app.new_review(&sample_review(), &json!({})).await;
    assert_eq!(app.review(&id).await["status"], "pending");

    app.sign_in_as(ROOT).await;
    let rejected = app.wait_for_rejected_intake(1).await;
    assert_eq!(
        rejected[0]["reasons"],
        json!([
            "review.timeoutSeconds: at most 99999999 (Step Functions' limit), got 10000000000000"
        ])
    );
    app.stop().await;
}

/// Tokens under other keys and copied into other fields: none of them
/// reaches the rejected-intake page, the audit log, its exports or the logs.
#[tokio::test]
async fn no_token_of_a_rejected_message_is_shown_audited_exported_or_logged() {
    let (logs, _guard) = crate::logs::capture();
    let app = spawn_app().await;
    let secret = |what: &str| format!("SECRET-{what}-{}", uuid::Uuid::new_v4().simple());
    let (task, under_token, nested) = (secret("task"), secret("token"), secret("nested"));
    let mut review = sample_review();
    review["title"] = json!(format!("resume with {under_token}"));
    review["onReject"] = json!(nested.clone());
    review["metrics"][&task] = json!("high");
    review["model"]["token"] = json!(nested.clone());
    app.send_raw(
        &json!({
            "task_token": task,
            "token": under_token,
            "executionArn": format!("arn:aws:states:us-east-1:123456789012:execution:m:{task}"),
            "stateName": "RequestApproval",
            "enteredTime": format!("{nested}"),
            "review": review,
            "context": {"deeper": [{"TaskToken": nested}], "note": format!("copy of {task}")},
        })
        .to_string(),
    )
    .await;

    app.sign_in_as(ROOT).await;
    let rejected = app.wait_for_rejected_intake(1).await;
    let reasons = rejected[0]["reasons"].to_string();
    assert!(reasons.contains("taskToken: is required"), "{reasons}");
    assert!(
        reasons.contains("enteredTime: must be an RFC 3339 timestamp, got a string of"),
        "described, not echoed: {reasons}"
    );
    let page = app.page("/intake/rejected").await;
    assert!(page.contains("taskToken: is required"), "the page lists it");
    app.sign_in_as(LEE).await;
    let (_, audit) = app.call("audit", &[]).await;
    assert!(
        audit.to_string().contains("intake rejected"),
        "the rejection is audited: {audit}"
    );
    let audit_page = app.page("/audit").await;
    let cookie = app.cookie.lock().unwrap().clone();
    let mut exports = Vec::new();
    for file in ["export.csv", "export.jsonl"] {
        let reply = app
            .http
            .get(&format!("{}/audit/{file}", app.base), cookie.as_deref())
            .await;
        assert_eq!(reply.status, 200, "{file}");
        assert!(reply.body.contains("intake rejected"), "{file} has it");
        exports.push((file, reply.body));
    }
    let logged = logs.text();
    assert!(
        logged.contains("rejected intake message: taskToken: is required"),
        "the rejection is logged: {logged}"
    );
    let listed = serde_json::to_string(&rejected).unwrap();
    for (what, text) in [
        ("rejected intake", listed.as_str()),
        ("rejected-intake page", page.as_str()),
        ("audit API", &audit.to_string()),
        ("audit page", audit_page.as_str()),
        (exports[0].0, exports[0].1.as_str()),
        (exports[1].0, exports[1].1.as_str()),
        ("logs", logged.as_str()),
    ] {
        assert!(!text.contains("SECRET"), "the {what} holds a token: {text}");
    }
    app.stop().await;
}
