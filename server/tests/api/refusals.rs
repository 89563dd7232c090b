//! Answers Step Functions refuses for good. Too large an answer is refused
//! when the decision is made, end to end on the emulator, and nothing is
//! stored. A refusal Step Functions itself sends (`InvalidOutput`) ends the
//! delivery as failed after one attempt: moto 5.2.5 (the newest release)
//! never raises `InvalidOutput` nor checks sizes, so that test sends
//! through a Workflow fake that refuses, over the real SQLite store, with
//! the real server (and its real delivery worker) reading the same file.

use crate::helpers::{sample_review, spawn_app, ADA, LEE};
use app::api::DecisionReceipt;
use app::domain::decision::Verdict;
use app::domain::execution_status::ExecutionStatus;
use app::domain::output::{Delivery, MAX_OUTPUT_BYTES};
use app::domain::token::TaskToken;
use app::ssr::ports::{Workflow, WorkflowError};
use async_trait::async_trait;
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test]
async fn an_answer_over_256_kib_is_refused_at_the_decision_and_nothing_is_stored() {
    let app = spawn_app().await;
    // The request stays under SQS's 256 KiB; the answer carries it back
    // with the approval's comment, and that crosses Step Functions' limit.
    let mut review = sample_review();
    review["notes"] = json!("n".repeat(259_500));
    let (arn, id) = app.new_review(&review, &json!({"run": 1})).await;

    let comment = "c".repeat(4_000);
    let (status, refused) = app.decide(&id, "approve", &comment).await;
    println!("refused with {status}: {refused}");
    assert_eq!(status, 422, "{refused}");
    let text = refused.to_string();
    assert!(
        text.contains("Step Functions would refuse this answer"),
        "{text}"
    );
    assert!(text.contains(&MAX_OUTPUT_BYTES.to_string()), "{text}");
    let stored = (
        app.probe.decisions_of(&id).await,
        app.probe.deliveries_of(&id).await,
        app.probe.audit_count_starting(&id, "approv").await,
    );
    assert_eq!(stored, (0, 0, 0), "decision, delivery, approval entries");
    assert_eq!(app.review(&id).await["status"], "pending");

    // Without the long comment the same review fits, and goes through.
    let (status, approved) = app.decide(&id, "approve", "").await;
    assert_eq!(status, 200, "{approved}");
    app.wait_for_delivery(&id, "delivered", 1).await;
    // Step Functions took the answer. (deploy/'s state machine then adds
    // it to its state with `ResultPath`, which doubles a review this large
    // past the 256 KiB a state may hold: the execution itself ends with
    // States.DataLimitExceeded, the workflow's own limit, not Signoff's.)
    let finished = app.finished_execution(&arn).await;
    println!(
        "then the execution: {:?} {:?}",
        finished.status(),
        finished.error()
    );
    let took = app
        .history(&arn)
        .await
        .iter()
        .filter(|e| e.r#type().as_str() == "TaskSucceeded")
        .count();
    assert_eq!(took, 1, "the answer reached the task");
    app.stop().await;
}

/// Step Functions refusing every answer as `InvalidOutput`, counting them.
#[derive(Default)]
struct RefusingWorkflow {
    sends: AtomicU32,
}

#[async_trait]
impl Workflow for RefusingWorkflow {
    async fn send(&self, _: &TaskToken, _: &Delivery) -> Result<(), WorkflowError> {
        self.sends.fetch_add(1, Ordering::SeqCst);
        Err(WorkflowError::Permanent(
            "InvalidOutput: the output is not valid".into(),
        ))
    }

    async fn heartbeat(&self, _: &TaskToken) -> Result<(), WorkflowError> {
        Ok(())
    }

    async fn execution_status(
        &self,
        _: &str,
    ) -> Result<(ExecutionStatus, Option<String>), WorkflowError> {
        Ok((ExecutionStatus::Running, None))
    }
}

#[tokio::test]
async fn a_delivery_refused_as_invalid_output_ends_failed_after_one_attempt() {
    let app = spawn_app().await;
    let (_, id) = app.new_review(&sample_review(), &json!({})).await;
    let refusing = Arc::new(RefusingWorkflow::default());
    let mut services = app.services();
    services.workflow = refusing.clone();

    let receipt = DecisionReceipt::from(
        services
            .decide(&ADA.actor(), &id, Verdict::Approve, "ship it")
            .await
            .expect("the decision commits"),
    );
    assert!(
        receipt
            .message
            .contains("Step Functions refused the answer"),
        "{}",
        receipt.message
    );
    let review = app.wait_for_delivery(&id, "failed", 1).await;
    // Neither the refusing sender nor the server's own delivery worker
    // (which would deliver it through the emulator) tries it again.
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        let report = services.deliver_due(20).await.expect("sweep");
        assert_eq!(report.retrying + report.delivered + report.failed, 0);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(refusing.sends.load(Ordering::SeqCst), 1, "one attempt");
    let delivery = app.probe.delivery_of(&id).await;
    assert_eq!((delivery.state.as_str(), delivery.attempts), ("failed", 1));
    let reason = review["delivery"]["last_error"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("InvalidOutput"), "{review}");

    let page = app.page(&format!("/reviews/{id}")).await;
    assert!(
        page.contains("Step Functions refused the answer"),
        "no badge"
    );
    assert!(
        page.contains("InvalidOutput: the output is not valid"),
        "no reason"
    );

    app.sign_in_as(LEE).await;
    let (status, audit) = app
        .call("audit", &[("query", "action=delivery+failed")])
        .await;
    assert_eq!(status, 200, "{audit}");
    let entries = audit["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["review_id"], id.as_str());
    assert!(entries[0]["detail"]
        .as_str()
        .is_some_and(|d| d.contains("InvalidOutput")));
    app.stop().await;
}
