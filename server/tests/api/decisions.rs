//! Decisions: stored first, then delivered to Step Functions, which resumes
//! the execution of deploy/'s state machine.

use crate::helpers::{emulator_endpoint, sample_review, spawn_app};
use crate::recorder::{calls, Recording};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};

#[tokio::test]
async fn approving_resumes_the_execution_with_review_and_context() {
    let app = spawn_app().await;
    let review = sample_review();
    let context = json!({"pipeline": "churn-nightly", "run": 1187});
    let (arn, id) = app.new_review(&review, &context).await;

    let (status, receipt) = app.decide(&id, "approve", "  Looks good.  ").await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["status"], "approved");

    let execution = app.finished_execution(&arn).await;
    assert_eq!(*execution.status(), ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(execution.output().unwrap()).unwrap();
    let approval = &output["approval"];
    assert_eq!(approval["decision"], "approved");
    assert_eq!(
        approval["review"], review,
        "the review comes back as sent, unknown fields included"
    );
    assert_eq!(approval["context"], context);
    let approvals = approval["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0]["reviewer"], "ada@example.com");
    assert_eq!(approvals[0]["comment"], "Looks good.");
    assert!(chrono::DateTime::parse_from_rfc3339(approvals[0]["at"].as_str().unwrap()).is_ok());
    assert_eq!(output["deployment"], "deployed", "the approved branch ran");

    // The delivery is recorded just after the decision is answered.
    let shown = app.wait_for_delivery(&id, "delivered", 1).await;
    assert_eq!(shown["status"], "approved");
    assert_eq!(shown["delivery"]["state"], "delivered");
    let actions: Vec<&str> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["action"].as_str())
        .collect();
    assert_eq!(actions, ["received", "approved", "delivered"]);
    app.stop().await;
}

#[tokio::test]
async fn rejecting_fails_the_execution_with_signoff_rejected() {
    let app = spawn_app().await;
    let (arn, id) = app.new_review(&sample_review(), &json!({})).await;

    let (status, receipt) = app
        .decide(&id, "reject", "Flag rate is over its threshold.")
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["status"], "rejected");

    let execution = app.finished_execution(&arn).await;
    assert_eq!(*execution.status(), ExecutionStatus::Failed);
    assert_eq!(execution.error(), Some("Signoff.Rejected"));
    // The delivery is recorded just after the decision is answered.
    let shown = app.wait_for_delivery(&id, "delivered", 1).await;
    assert_eq!(shown["delivery"]["state"], "delivered");
    app.stop().await;
}

#[tokio::test]
async fn a_rejection_with_on_reject_succeed_resumes_into_the_rejected_branch() {
    let app = spawn_app().await;
    let mut review = sample_review();
    review["onReject"] = json!("succeed");
    let (arn, id) = app.new_review(&review, &json!({})).await;

    let (status, _) = app.decide(&id, "reject", "Not this week.").await;
    assert_eq!(status, 200);
    let execution = app.finished_execution(&arn).await;
    // The task succeeded with decision "rejected"; the Choice state routed
    // it to the Rejected state, which fails the execution by design.
    assert_eq!(*execution.status(), ExecutionStatus::Failed);
    assert_eq!(execution.error(), Some("Signoff.Rejected"));
    let history = app.history(&arn).await;
    let succeeded = history
        .iter()
        .find_map(|e| e.task_succeeded_event_details());
    let output: Value = serde_json::from_str(succeeded.and_then(|d| d.output()).unwrap()).unwrap();
    assert_eq!(output["decision"], "rejected");
    assert_eq!(output["rejection"]["comment"], "Not this week.");
    app.stop().await;
}

#[tokio::test]
async fn a_rejection_without_a_reason_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let (arn, id) = app.new_review(&sample_review(), &json!({})).await;
    for blank in ["", "   \n"] {
        let (status, body) = app.decide(&id, "reject", blank).await;
        assert_eq!(status, 422);
        assert_eq!(body, json!({"Invalid": "A rejection needs a reason."}));
    }
    assert_eq!(app.review(&id).await["status"], "pending");
    let execution = app.execution_status(&arn).await;
    assert_eq!(execution, ExecutionStatus::Running);
    app.stop().await;
}

#[tokio::test]
async fn a_second_decision_is_refused_naming_the_first() {
    let app = spawn_app().await;
    let (arn, id) = app.new_review(&sample_review(), &json!({})).await;
    assert_eq!(app.decide(&id, "approve", "").await.0, 200);

    for (verdict, comment) in [("approve", ""), ("reject", "changed my mind")] {
        let (status, body) = app.decide(&id, verdict, comment).await;
        assert_eq!(status, 409);
        assert_eq!(
            body,
            json!({"Refused": "Already decided: approved by ada@example.com."})
        );
    }
    assert_eq!(
        *app.finished_execution(&arn).await.status(),
        ExecutionStatus::Succeeded
    );
    app.stop().await;
}

#[tokio::test]
async fn concurrent_decisions_on_one_review_have_exactly_one_winner() {
    let app = spawn_app().await;
    let recording = Recording::start(&emulator_endpoint()).await;
    let (arn, id) = app.new_review(&sample_review(), &json!({})).await;
    // Each attempt says which it is in its comment.
    let attempts: Vec<(&str, String)> = (0..20)
        .map(|i| {
            let verdict = if i % 2 == 0 { "approve" } else { "reject" };
            (verdict, format!("attempt {i}"))
        })
        .collect();
    let results = futures::future::join_all(
        attempts
            .iter()
            .map(|(verdict, comment)| app.decide(&id, verdict, comment)),
    )
    .await;
    let won = results.iter().filter(|(status, _)| *status == 200).count();
    let refused = results
        .iter()
        .filter(|(status, body)| {
            *status == 409
                && body["Refused"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("Already decided:"))
        })
        .count();
    println!("20 concurrent decisions on one review: {won} recorded, {refused} refused as already decided");
    assert_eq!((won, refused), (1, 19), "{results:?}");
    let winner = results
        .iter()
        .position(|(status, _)| *status == 200)
        .unwrap();
    let (verdict, comment) = &attempts[winner];
    assert_eq!(
        app.probe.decisions().await,
        [(verdict.to_string(), Some(comment.clone()))]
    );

    // The workflow got the winner's verdict, and only it, in one call.
    let execution = app.finished_execution(&arn).await;
    app.wait_for_delivery(&id, "delivered", 1).await;
    let token = app.probe.task_token(&id).await;
    let requests = recording.requests_with_token(token.expose()).await;
    let answers = calls(requests.iter().filter(|r| r.is_answer()));
    assert_eq!(answers.len(), 1, "one call, the winner's: {requests:?}");
    if *verdict == "approve" {
        assert_eq!(*execution.status(), ExecutionStatus::Succeeded);
        let output: Value = serde_json::from_str(execution.output().unwrap()).unwrap();
        let approvals = &output["approval"]["approvals"];
        assert_eq!(approvals.as_array().map(Vec::len), Some(1), "{approvals}");
        assert_eq!(approvals[0]["reviewer"], "ada@example.com");
        assert_eq!(approvals[0]["comment"], comment.as_str());
    } else {
        assert_eq!(*execution.status(), ExecutionStatus::Failed);
        assert_eq!(execution.error(), Some("Signoff.Rejected"));
        // moto keeps no cause: read it from the call that reached it.
        assert_eq!(answers[0].operation, "SendTaskFailure");
        assert_eq!(answers[0].body["error"], "Signoff.Rejected");
        let cause: Value =
            serde_json::from_str(answers[0].body["cause"].as_str().unwrap()).unwrap();
        assert_eq!(cause["reviewer"], "ada@example.com");
        assert_eq!(cause["comment"], comment.as_str());
    }
    drop(recording);
    app.stop().await;
}

#[tokio::test]
async fn deciding_an_unknown_review_is_not_found() {
    let app = spawn_app().await;
    let (status, body) = app.decide("no-such-review", "approve", "").await;
    assert_eq!((status, body), (404, json!("NotFound")));
    app.stop().await;
}

#[tokio::test]
async fn a_decided_reviews_page_is_served_whole() {
    // A deep link to a review someone already decided: the page renders on
    // the server in full (it once stopped at its loading placeholder, held
    // by the execution status that only the browser fetches).
    let app = spawn_app().await;
    let (_, id) = app.new_review(&sample_review(), &json!({})).await;
    assert_eq!(app.decide(&id, "approve", "").await.0, 200);
    app.wait_for_delivery(&id, "delivered", 1).await;
    let html = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        app.page(&format!("/reviews/{id}")),
    )
    .await
    .expect("the page arrives");
    assert!(!html.contains("Loading the review…"), "{html}");
    assert!(
        html.contains("<h1>Promote churn-model v42 to production"),
        "{html}"
    );
    assert!(html.contains("Checking the workflow execution…"), "{html}");
    app.stop().await;
}
