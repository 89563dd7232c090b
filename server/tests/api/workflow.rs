//! The shipped state machine's own clock: its default timeout, and the
//! escalation branch a review left past its deadline takes.

use crate::helpers::{create_queue, sample_review, spawn_app, spawn_app_with};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;

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

#[tokio::test]
async fn a_lost_reply_is_recognised_and_the_decision_is_not_delivered_twice() {
    let app = spawn_app().await;
    let (arn, id) = app.new_review(&sample_review(), &json!({})).await;
    assert_eq!(app.decide(&id, "approve", "").await.0, 200);
    assert_eq!(
        *app.finished_execution(&arn).await.status(),
        ExecutionStatus::Succeeded
    );

    // As if Signoff had crashed after Step Functions took the decision but
    // before it recorded that: once the outcome is recorded (just after the
    // answer), the outbox row is queued again.
    app.wait_for_delivery(&id, "delivered", 1).await;
    sqlx::query("update delivery set state = 'queued', next_attempt_at = 0, claimed_until = null")
        .execute(&app.db)
        .await
        .unwrap();
    let shown = app.wait_for_delivery(&id, "delivered", 2).await;
    let last = shown["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["detail"],
        "Step Functions already had the decision (an earlier reply was lost)"
    );
    let succeeded = app
        .history(&arn)
        .await
        .iter()
        .filter(|e| e.task_succeeded_event_details().is_some())
        .count();
    assert_eq!(succeeded, 1, "the task received the decision once");
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
    let arn = app.start_execution_of(&machine, &review, &json!({})).await;
    let id = app.wait_for_review(&arn).await;

    tokio::time::sleep(std::time::Duration::from_secs(8)).await;
    let running = app.execution_status(&arn).await;
    assert_eq!(
        running,
        ExecutionStatus::Running,
        "without heartbeats the task would have timed out"
    );
    let sent = app.heartbeats_sent(&id).await;
    assert!(sent >= 4, "heartbeats while pending: {sent}");
    println!("heartbeats observed while pending: {sent}");

    assert_eq!(app.decide(&id, "approve", "").await.0, 200);
    assert_eq!(
        *app.finished_execution(&arn).await.status(),
        ExecutionStatus::Succeeded
    );
    let at_decision = app.heartbeats_sent(&id).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(
        app.heartbeats_sent(&id).await,
        at_decision,
        "no heartbeats after the decision"
    );
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
