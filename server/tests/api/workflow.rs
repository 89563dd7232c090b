//! The shipped state machine's own clock: its default timeout, and the
//! escalation branch a review left past its deadline takes.

use crate::helpers::{sample_review, spawn_app};
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

    // A decision made afterwards is recorded, but its task is closed.
    let (status, receipt) = app.decide(&id, "approve", "too late").await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(
        receipt["message"],
        "Approved, but the workflow's task was already closed."
    );
    assert_eq!(app.review(&id).await["delivery"]["state"], "closed");
    app.stop().await;
}
