//! The shipped state machine's own clock: its default timeout, the
//! escalation branch a review left past its deadline takes, heartbeats and
//! redelivery, counted as the calls reach the emulator.

use crate::helpers::{
    create_queue, emulator_endpoint, sample_review, spawn_app, spawn_app_with, TestApp, PATIENCE,
};
use crate::recorder::{calls, Recording, SfnRequest};
use app::domain::token::TaskToken;
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_review_without_a_timeout_gets_the_state_machines_default() {
    let app = spawn_app().await;
    let mut review = sample_review();
    review.as_object_mut().unwrap().remove("timeoutSeconds");
    let (_, id) = app.new_review(&review, &json!({})).await;

    let shown = app.review(&id).await;
    let deadline =
        shown["deadline_ms"].as_i64().unwrap() - shown["entered_at_ms"].as_i64().unwrap();
    assert_eq!(
        deadline, 86_400_000,
        "24 hours, the default ApplyDefaults sets"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_review_left_past_its_timeout_escalates_and_cannot_be_delivered() {
    let app = spawn_app().await;
    let mut review = sample_review();
    review["timeoutSeconds"] = json!(1);
    let (arn, id) = app.new_review(&review, &json!({})).await;

    let execution = app.finished_execution(&arn).await;
    assert_eq!(*execution.status(), ExecutionStatus::Failed);
    assert_eq!(
        execution.error(),
        Some("Signoff.NoDecision"),
        "the Catch routed the timeout to Escalate"
    );
    let history = app.history(&arn).await;
    let entered: Vec<&str> = history
        .iter()
        .filter_map(|e| e.state_entered_event_details().map(|d| d.name()))
        .collect();
    assert!(entered.contains(&"Escalate"), "{entered:?}");

    // The review left the queue as expired; a late decision is refused.
    let shown = app.wait_for_status(&id, "expired").await;
    assert!(
        shown["status_reason"]
            .as_str()
            .unwrap()
            .contains("before anyone decided"),
        "{shown}"
    );
    let (status, body) = app.decide(&id, "approve", "too late").await;
    assert_eq!(
        (status, body),
        (
            409,
            json!({"Refused": "This review is no longer pending (it is expired)."})
        )
    );
    let (_, queue) = app.call("queue", &[("query", "")]).await;
    assert!(!queue.to_string().contains(&id), "{queue}");
    app.stop().await;
}

#[tokio::test]
async fn a_review_whose_workflow_gave_up_leaves_the_queue_though_its_deadline_is_far() {
    let app = spawn_app().await;
    // The workflow waits 1 second; the review claims an hour. Only asking
    // Step Functions (the reconciler) can tell that the workflow moved on.
    let machine = app
        .state_machine_with(|asl| {
            let task = &mut asl["States"]["RequestApproval"];
            task.as_object_mut().unwrap().remove("TimeoutSecondsPath");
            task["TimeoutSeconds"] = json!(1);
        })
        .await;
    let arn = app
        .start_execution_of(&machine, &sample_review(), &json!({}))
        .await;
    let id = app.wait_for_review(&arn).await;
    assert_eq!(
        app.finished_execution(&arn).await.error(),
        Some("Signoff.NoDecision")
    );

    let shown = app.wait_for_status(&id, "expired").await;
    assert_eq!(
        shown["status_reason"],
        "The workflow gave up waiting for a decision."
    );
    let (_, queue) = app.call("queue", &[("query", "")]).await;
    assert!(!queue.to_string().contains(&id), "{queue}");
    let actions: Vec<String> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["action"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(actions, ["received", "expired"]);
    app.stop().await;
}

/// Queues a delivered review's outbox row again, as if Signoff had crashed
/// after Step Functions took the decision but before it recorded that, and
/// waits until the worker has sent it and recorded the answer.
async fn redeliver(app: &TestApp, id: &str) -> Value {
    let attempts = app.review(id).await["delivery"]["attempts"]
        .as_u64()
        .unwrap();
    app.probe.requeue_delivery(id).await;
    app.wait_for_delivery(id, "delivered", attempts + 1).await
}

/// How many calls answering the task of `token` (`SendTaskSuccess`,
/// `SendTaskFailure`) reached the emulator, and their requests.
async fn answers(recording: &Recording, token: &TaskToken) -> (usize, Vec<SfnRequest>) {
    let mut requests = recording.requests_with_token(token.expose()).await;
    requests.retain(SfnRequest::is_answer);
    let count = calls(&requests).len();
    (count, requests)
}

#[tokio::test]
async fn a_lost_reply_is_recognised_and_the_decision_is_not_delivered_twice() {
    let app = spawn_app().await;
    let recording = Recording::start(&emulator_endpoint()).await;
    let (arn, id) = app.new_review(&sample_review(), &json!({})).await;
    let token = app.probe.task_token(&id).await;
    assert_eq!(app.decide(&id, "approve", "").await.0, 200);
    let execution = app.finished_execution(&arn).await;
    assert_eq!(*execution.status(), ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(execution.output().unwrap()).unwrap();
    assert_eq!(
        output["approval"],
        app.probe.delivery_of(&id).await.payload["output"],
        "the execution resumed with the recorded decision"
    );

    // Its answer is recorded (just after the decider's): one call, accepted.
    app.wait_for_delivery(&id, "delivered", 1).await;
    let (accepted, requests) = answers(&recording, &token).await;
    assert_eq!(accepted, 1, "one call for one decision: {requests:?}");

    // Sent again after a lost reply: Step Functions answers that the task
    // is closed, and the execution shows the decision arrived.
    let shown = redeliver(&app, &id).await;
    let last = shown["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["detail"],
        "Step Functions already had the decision (an earlier reply was lost)"
    );
    let (closed, requests) = answers(&recording, &token).await;
    assert_eq!(closed, 2, "the resend, once: {requests:?}");

    // The worker works on (another review redelivered through it) and sends
    // nothing more for the closed one.
    let (_, other) = app.new_review(&sample_review(), &json!({})).await;
    assert_eq!(app.decide(&other, "approve", "").await.0, 200);
    app.wait_for_delivery(&other, "delivered", 1).await;
    redeliver(&app, &other).await;
    let (after, requests) = answers(&recording, &token).await;
    assert_eq!(
        after, 2,
        "nothing after the closed-token answer: {requests:?}"
    );
    let succeeded = app
        .history(&arn)
        .await
        .iter()
        .filter(|e| e.task_succeeded_event_details().is_some())
        .count();
    assert_eq!(succeeded, 1, "the task received the decision once");
    drop(recording);
    app.stop().await;
}

#[tokio::test]
async fn heartbeats_keep_a_held_review_alive_and_stop_after_the_decision() {
    let app = spawn_app().await;
    // deploy/'s machine with a 3-second heartbeat timeout on the callback task.
    let machine = app
        .state_machine_with(|asl| {
            asl["States"]["RequestApproval"]["HeartbeatSeconds"] = json!(3);
        })
        .await;
    let mut review = sample_review();
    review["heartbeatSeconds"] = json!(3);
    let recording = Recording::start(&emulator_endpoint()).await;
    let arn = app.start_execution_of(&machine, &review, &json!({})).await;
    let id = app.wait_for_review(&arn).await;
    let token = app.probe.task_token(&id).await;
    // A second held review: its heartbeats show the clock still ticking
    // once the first is decided.
    let other = app
        .wait_for_review(&app.start_execution_of(&machine, &review, &json!({})).await)
        .await;
    let other_token = app.probe.task_token(&other).await;

    // Heartbeats go at most once a second (a third of heartbeatSeconds), so
    // six calls span five seconds: past the task's 3-second heartbeat timeout.
    let heartbeats = |token: TaskToken| {
        let recording = &recording;
        async move {
            let requests = recording.requests_with_token(token.expose()).await;
            requests.iter().filter(|r| r.is_heartbeat()).count()
        }
    };
    let deadline = Instant::now() + PATIENCE;
    while heartbeats(token.clone()).await < 6 {
        assert!(
            Instant::now() < deadline,
            "too few heartbeat calls while pending"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        app.execution_status(&arn).await,
        ExecutionStatus::Running,
        "without heartbeats the task would have timed out"
    );
    let pending = heartbeats(token.clone()).await;
    println!("heartbeat calls while pending: {pending}");

    assert_eq!(app.decide(&id, "approve", "").await.0, 200);
    assert_eq!(
        *app.finished_execution(&arn).await.status(),
        ExecutionStatus::Succeeded
    );
    app.wait_for_delivery(&id, "delivered", 1).await;
    // From the decision's delivery on: three more heartbeats of the other
    // review (three ticks, each of which would have found the first due).
    let delivered_at = recording.sfn_requests().await.len();
    let since = || async { recording.sfn_requests().await.split_off(delivered_at) };
    let deadline = Instant::now() + PATIENCE;
    while since()
        .await
        .iter()
        .filter(|r| r.is_heartbeat() && r.names_token(other_token.expose()))
        .count()
        < 3
    {
        assert!(
            Instant::now() < deadline,
            "the other review's heartbeats stopped"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let late: Vec<SfnRequest> = since()
        .await
        .into_iter()
        .filter(|r| r.names_token(token.expose()))
        .collect();
    assert_eq!(
        late.len(),
        0,
        "no calls after the decision's delivery: {late:?}"
    );
    drop(recording);
    app.stop().await;
}

#[tokio::test]
async fn an_execution_status_event_closes_the_review_at_once() {
    let events = create_queue("events").await;
    let app = spawn_app_with(|args| {
        args.events_queue_url = Some(events.clone());
        // Checked once at arrival, then not for an hour: only the event can close it.
        args.reconcile_every_seconds = 3600;
    })
    .await;
    let (arn, id) = app.new_review(&sample_review(), &json!({})).await;

    let send = |body: String| {
        let (sqs, events) = (app.sqs.clone(), events.clone());
        async move {
            sqs.send_message()
                .queue_url(events)
                .message_body(body)
                .send()
                .await
                .unwrap()
        }
    };
    send(
        json!({"detail-type": "EC2 Instance State-change Notification", "detail": {}}).to_string(),
    )
    .await;
    send("not an event".into()).await;
    send(
        json!({
            "version": "0", "detail-type": "Step Functions Execution Status Change", "source": "aws.states",
            "detail": {"executionArn": arn, "status": "ABORTED", "error": null, "cause": null}
        })
        .to_string(),
    )
    .await;

    let shown = app.wait_for_status(&id, "closed_upstream").await;
    assert_eq!(
        shown["status_reason"],
        "The workflow execution was stopped."
    );
    // The unreadable event is kept for the dead-letter queue; the others are consumed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.messages_on(&events).await != 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(app.messages_on(&events).await, 1);
    app.stop().await;
}
