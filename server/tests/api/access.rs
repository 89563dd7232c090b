//! Who may see and decide what, enforced by the server whatever the page shows.

use crate::helpers::{sample_review, spawn_app, ADA, BOB, DANA, EVE, LEE, VAL};
use crate::server_functions;
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};
use std::collections::BTreeSet;

#[tokio::test]
async fn every_server_function_refuses_anonymous_callers() {
    let declared = server_functions::declared();
    let registered = server_functions::registered();
    assert_eq!(
        registered.keys().cloned().collect::<BTreeSet<_>>(),
        declared,
        "every function the source declares is registered, and nothing else is"
    );
    for public in app::api::PUBLIC_SERVER_FUNCTIONS {
        assert!(declared.contains(public), "{public} is declared");
    }

    let app = spawn_app().await;
    let (_, id) = app.new_review(&sample_review(), &json!({})).await;
    app.sign_out();
    for path in &declared {
        assert_eq!(
            registered[path], "POST",
            "{path} changes or reads state only by POST"
        );
        // Well-formed arguments about a real review, so that only the
        // missing session can fail it.
        let form = server_functions::arguments(&id);
        let (status, body) = app.call(path.trim_start_matches("/api/"), &form).await;
        if app::api::PUBLIC_SERVER_FUNCTIONS.contains(&path.as_str()) {
            assert_eq!(
                (status, body),
                (200, Value::Null),
                "{path} is public but tells nothing"
            );
        } else {
            assert_eq!((status, body), (401, json!("Unauthenticated")), "{path}");
        }
    }
    app.sign_in_as(LEE).await;
    let review = app.review(&id).await;
    assert_eq!(
        (&review["status"], &review["decisions"]),
        (&json!("pending"), &json!([])),
        "nothing anonymous reached the review"
    );
    app.stop().await;
}

#[tokio::test]
async fn pages_send_signed_out_visitors_through_sign_in_and_back() {
    let app = spawn_app().await;
    app.sign_out();
    let reply = app
        .http
        .get(&format!("{}/reviews/abc?tab=history", app.base), None)
        .await;
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.location.as_deref(),
        Some("/auth/login?return_to=%2Freviews%2Fabc%3Ftab%3Dhistory")
    );
    app.stop().await;
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let app = spawn_app().await;
    assert_eq!(app.call("queue", &[("query", "")]).await.0, 200);
    app.probe.age_sessions(2 * 3600 * 1000).await;
    assert_eq!(
        app.call("queue", &[("query", "")]).await,
        (401, json!("Unauthenticated"))
    );
    assert_eq!(
        app.probe.sessions_stored().await,
        0,
        "the expired session was removed"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_viewer_sees_but_cannot_decide() {
    let app = spawn_app().await;
    let (_, id) = app.new_review(&sample_review(), &json!({})).await;
    app.sign_in_as(VAL).await;
    let review = app.review(&id).await;
    let why = "Your role (viewer) can view reviews but not decide them.";
    assert_eq!(review["cannot_approve"], why);
    assert_eq!(
        app.decide(&id, "approve", "").await,
        (403, json!({"Forbidden": why}))
    );
    assert_eq!(app.call("rejected_intake", &[]).await.0, 403, "admins only");
    assert_eq!(app.review(&id).await["status"], "pending");
    app.stop().await;
}

#[tokio::test]
async fn nobody_approves_a_review_they_requested() {
    let app = spawn_app().await;
    let mut review = sample_review();
    review["requestedBy"] = json!("dana@example.com");
    let (_, id) = app.new_review(&review, &json!({})).await;
    app.sign_in_as(DANA).await;
    let why = "You requested this review, so someone else has to approve it.";
    assert_eq!(app.review(&id).await["cannot_approve"], why);
    assert_eq!(
        app.decide(&id, "approve", "mine").await,
        (403, json!({"Forbidden": why}))
    );
    app.sign_in_as(BOB).await;
    assert_eq!(app.decide(&id, "approve", "").await.0, 200);
    app.stop().await;
}

#[tokio::test]
async fn a_reviewer_group_limits_who_decides() {
    let app = spawn_app().await;
    let mut review = sample_review();
    review["reviewerGroup"] = json!("ml-reviewers");
    let (_, id) = app.new_review(&review, &json!({})).await;
    app.sign_in_as(EVE).await;
    let why = "Only members of ml-reviewers (and leads) may decide this review.";
    assert_eq!(
        app.decide(&id, "reject", "not mine to judge").await,
        (403, json!({"Forbidden": why}))
    );
    app.sign_in_as(LEE).await;
    assert_eq!(
        app.decide(&id, "approve", "").await.0,
        200,
        "leads may decide any review"
    );
    app.stop().await;
}

#[tokio::test]
async fn two_approvals_are_needed_before_the_workflow_hears_anything() {
    let app = spawn_app().await;
    let mut review = sample_review();
    review["requiredApprovals"] = json!(2);
    let (arn, id) = app.new_review(&review, &json!({})).await;

    let (status, receipt) = app.decide(&id, "approve", "first").await;
    assert_eq!(status, 200);
    assert_eq!(
        receipt["message"],
        "Approval recorded (1 of 2); the review needs another reviewer."
    );
    let again = app.decide(&id, "approve", "me again").await;
    assert_eq!(again.0, 409);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let running = app.execution_status(&arn).await;
    assert_eq!(
        running,
        ExecutionStatus::Running,
        "one approval is not enough"
    );

    app.sign_in_as(BOB).await;
    assert_eq!(app.decide(&id, "approve", "second").await.0, 200);
    let execution = app.finished_execution(&arn).await;
    assert_eq!(*execution.status(), ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(execution.output().unwrap()).unwrap();
    let reviewers: Vec<&str> = output["approval"]["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["reviewer"].as_str())
        .collect();
    assert_eq!(reviewers, ["ada@example.com", "bob@example.com"]);
    app.stop().await;
}

#[tokio::test]
async fn a_first_approval_can_be_withdrawn_while_the_review_waits() {
    let app = spawn_app().await;
    let mut review = sample_review();
    review["requiredApprovals"] = json!(2);
    let (arn, id) = app.new_review(&review, &json!({})).await;
    let withdraw = |reason: &'static str| {
        let id = id.clone();
        let app = &app;
        async move {
            app.call("withdraw", &[("id", &id), ("reason", reason)])
                .await
        }
    };

    // Nothing to withdraw before approving.
    let (status, refusal) = withdraw("").await;
    assert_eq!(status, 409, "{refusal}");
    assert!(refusal
        .to_string()
        .contains("no approval on this review to withdraw"));

    assert_eq!(app.decide(&id, "approve", "first").await.0, 200);
    assert_eq!(app.review(&id).await["viewer_approved"], true);
    assert_eq!(app.probe.decisions_of(&id).await, 1);
    let (status, answer) = withdraw("Spotted a leak in the eval set.").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        app.probe.decisions_of(&id).await,
        0,
        "the decision row is gone"
    );
    assert_eq!(app.review(&id).await["viewer_approved"], false);
    let withdrawn = app.probe.audit_entries_of(&id, "approval withdrawn").await;
    assert_eq!(
        withdrawn,
        [(
            "ada@example.com".to_owned(),
            Some("Spotted a leak in the eval set.".to_owned())
        )]
    );
    assert_eq!(
        app.probe.audit_count_of(&id, "approval 1 of 2").await,
        1,
        "the approval's own entry stays"
    );
    assert_eq!(withdraw("").await.0, 409, "only once");

    // The count starts again: Bob's approval is the first of two.
    app.sign_in_as(BOB).await;
    let (_, receipt) = app.decide(&id, "approve", "").await;
    assert_eq!(
        receipt["message"],
        "Approval recorded (1 of 2); the review needs another reviewer."
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.execution_status(&arn).await, ExecutionStatus::Running);

    // Viewers may not; and once final, nobody may.
    app.sign_in_as(VAL).await;
    assert_eq!(withdraw("").await.0, 403);
    app.sign_in_as(ADA).await;
    assert_eq!(app.decide(&id, "approve", "").await.0, 200);
    app.sign_in_as(BOB).await;
    let (status, refusal) = withdraw("").await;
    assert_eq!(status, 409);
    assert!(refusal.to_string().contains("Already decided"), "{refusal}");
    app.stop().await;
}

#[tokio::test]
async fn only_admins_see_the_settings_and_never_a_secret() {
    let app = spawn_app().await;
    assert_eq!(app.call("settings", &[]).await.0, 403);
    app.sign_in_as(crate::helpers::ROOT).await;
    let (status, settings) = app.call("settings", &[]).await;
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["oidc_client_id"], "signoff");
    assert_eq!(settings["role_map"][1], json!(["ml-reviewers", "reviewer"]));
    assert!(!settings.to_string().contains("signoff-demo-secret"));
    app.stop().await;
}
