//! Approval policy from the configuration file, on the real emulator with
//! deploy/'s state machine: the platform's rule holds whatever the request
//! asks, a state machine no rule admits is turned away at intake (and its
//! execution fails at once), and a rule that approves by itself reaches
//! Step Functions like any decision.

use crate::helpers::{config_file, sample_review, spawn_app_with, BOB, EVE};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Every test server's state machine is `test-<id>` (helpers::provision_stack).
const TWO_FROM_REVIEWERS: &str = r#"
[[policy]]
name = "prod-models"
state_machines = ["test-*"]
models = ["churn-*"]
stages = ["production"]
min_approvals = 2
reviewer_groups = ["ml-reviewers"]
"#;

fn output_of(
    execution: &aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput,
) -> Value {
    serde_json::from_str(execution.output().expect("an output")).expect("JSON output")
}

/// `(actor, detail)` of the review's first entry with this action.
async fn audit_detail(
    app: &crate::helpers::TestApp,
    review_id: &str,
    action: &str,
) -> (String, String) {
    let entries = app.probe.audit_entries_of(review_id, action).await;
    match entries.into_iter().next() {
        Some((actor, Some(detail))) => (actor, detail),
        other => panic!("no {action} entry with a detail for {review_id}: {other:?}"),
    }
}

#[tokio::test]
async fn the_rules_two_approvals_from_ml_reviewers_hold_against_a_request_asking_for_one() {
    let (_dir, path) = config_file(TWO_FROM_REVIEWERS);
    let app = spawn_app_with(|args| args.config = Some(path)).await;
    // sample_review asks for one approval and names no group.
    assert_eq!(sample_review()["requiredApprovals"], 1);
    assert!(sample_review().get("reviewerGroup").is_none());
    let (arn, id) = app.new_review(&sample_review(), &json!({})).await;

    let review = app.review(&id).await;
    assert_eq!(review["required_approvals"], 2);
    assert_eq!(review["reviewer_groups"], json!(["ml-reviewers"]));
    let headline = "2 approvals from ml-reviewers: rule prod-models; the request asked for 1 and named no group";
    assert_eq!(review["policy"][0], headline);
    let (_, received) = audit_detail(&app, &id, "received").await;
    assert!(
        received.contains(&format!("Policy: {headline}")),
        "{received}"
    );

    // Outside the rule's group: refused, though the request named no group.
    app.sign_in_as(EVE).await;
    let (status, body) = app.decide(&id, "approve", "").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["Forbidden"],
        "Only members of ml-reviewers (and leads) may decide this review."
    );

    // One approval, though the request asked for one, does not decide it.
    app.sign_in_as(crate::helpers::ADA).await;
    let (status, body) = app.decide(&id, "approve", "looks right").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("pending")),
        "{body}"
    );
    assert_eq!(app.execution_status(&arn).await, ExecutionStatus::Running);

    app.sign_in_as(BOB).await;
    let (status, body) = app.decide(&id, "approve", "").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("approved")),
        "{body}"
    );
    let execution = app.finished_execution(&arn).await;
    assert_eq!(*execution.status(), ExecutionStatus::Succeeded);
    let output = output_of(&execution);
    let approval = &output["approval"];
    assert_eq!(approval["policy"]["rule"], "prod-models");
    assert_eq!(approval["policy"]["requiredApprovals"], 2);
    assert_eq!(approval["policy"]["summary"], headline);
    assert_eq!(approval["approvals"].as_array().map(Vec::len), Some(2));
    app.stop().await;
}

#[tokio::test]
async fn a_state_machine_no_rule_admits_is_rejected_at_intake_by_name() {
    let (_dir, path) =
        config_file("[[policy]]\nname = \"elsewhere\"\nstate_machines = [\"another-team-*\"]\n");
    let app = spawn_app_with(|args| args.config = Some(path)).await;
    app.sign_in_as(crate::helpers::ROOT).await;
    let arn = app.start_execution(&sample_review(), &json!({})).await;
    let rejected = app.wait_for_rejected_intake(1).await;
    let machine = app.machine_arn.rsplit(':').next().unwrap().to_owned();
    assert_eq!(
        rejected[0]["reasons"],
        json!([format!(
            "executionArn: no policy rule admits state machine {machine} (model churn-model, stage production)"
        )])
    );
    // The waiting execution is told at once, not left to its timeout.
    let execution = app.finished_execution(&arn).await;
    assert_eq!(*execution.status(), ExecutionStatus::Failed);
    assert_eq!(execution.error(), Some("Signoff.InvalidRequest"));
    assert_eq!(app.probe.reviews_stored().await, 0, "no review was stored");
    app.stop().await;
}

const STAGING_AUTO: &str = r#"
[[policy]]
name = "staging-auto"
state_machines = ["test-*"]
stages = ["staging"]
reviewer_groups = ["ml-reviewers"]

[policy.auto_approve]
all_thresholds_pass = true
stage_not = ["production"]
"#;

fn staging_review(flagged_rate: f64) -> Value {
    let mut review = sample_review();
    review["model"]["stage"] = json!("staging");
    review["metrics"]["flagged_rate"] = json!(flagged_rate);
    review
}

#[tokio::test]
async fn a_rule_that_approves_by_itself_reaches_step_functions_with_its_evidence() {
    let (_dir, path) = config_file(STAGING_AUTO);
    let version = hex::encode(Sha256::digest(STAGING_AUTO.as_bytes()));
    let app = spawn_app_with(|args| args.config = Some(path)).await;

    let (arn, id) = app
        .new_review(&staging_review(0.05), &json!({"run": 7}))
        .await;
    let review = app.wait_for_status(&id, "approved").await;
    assert_eq!(
        review["decisions"][0]["reviewer_label"],
        "policy:staging-auto"
    );
    let execution = app.finished_execution(&arn).await;
    assert_eq!(*execution.status(), ExecutionStatus::Succeeded);
    let approval = &output_of(&execution)["approval"];
    assert_eq!(approval["decision"], "approved");
    assert_eq!(approval["approvals"][0]["reviewer"], "policy:staging-auto");
    assert_eq!(approval["policy"]["rule"], "staging-auto");
    assert_eq!(approval["policy"]["version"], version);
    assert_eq!(approval["context"], json!({"run": 7}));

    let (actor, detail) = audit_detail(&app, &id, "approved").await;
    assert_eq!(actor, "policy:staging-auto");
    assert_eq!(
        detail,
        format!(
            "Rule staging-auto of policy file {version} approved by itself: all 2 thresholds pass \
             (auc 0.912 (threshold ≥ 0.85); flagged_rate 0.05 (threshold ≤ 0.06)); stage staging is not production."
        )
    );
    // The outcome is written just after Step Functions answers, so the
    // execution may finish first: wait for the row, then read it.
    app.wait_for_delivery(&id, "delivered", 1).await;
    assert_eq!(app.probe.delivery_of(&id).await.state, "delivered");

    // The same rule leaves a failing review to people, and says why.
    let (arn, failing) = app.new_review(&staging_review(0.071), &json!({})).await;
    let (_, received) = audit_detail(&app, &failing, "received").await;
    assert!(
        received.ends_with("The rule does not approve it by itself: 1 of 2 thresholds fail (flagged_rate 0.071 (threshold ≤ 0.06))."),
        "{received}"
    );
    assert_eq!(app.review(&failing).await["status"], "pending");
    assert_eq!(app.execution_status(&arn).await, ExecutionStatus::Running);
    app.stop().await;
}

#[tokio::test]
async fn a_configuration_with_a_mistake_stops_start_up_naming_it() {
    let (_dir, path) = config_file(
        "[[policy]]\nname = \"staging-auto\"\n[policy.auto_approve]\nstage_not = [\"production\"]\n",
    );
    let endpoint = std::env::var("SIGNOFF_TEST_AWS_ENDPOINT").expect("emulator");
    let mut args = crate::helpers::serve_args(&endpoint, "sqlite::memory:");
    args.config = Some(path.clone());
    let error = server::start(args).await.err().expect("start-up refused");
    let text = format!("{error:#}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("auto_approve checks no thresholds"), "{text}");
}

#[tokio::test]
async fn config_check_prints_the_policy_a_sample_request_would_get() {
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/signoff.example.toml");
    let (_dir, sample) = config_file(
        &json!({
            "executionArn": "arn:aws:states:eu-west-1:123456789012:execution:model-release:run-9",
            "review": sample_review(),
        })
        .to_string(),
    );
    let check = |request: Option<&std::path::Path>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_signoff"));
        command.args(["config", "check"]).arg(&example);
        if let Some(request) = request {
            command.arg("--request").arg(request);
        }
        let output = command.output().expect("signoff runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, text) = check(None);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("is valid: 4 policy rules"), "{text}");
    let (code, text) = check(Some(&sample));
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("2 approvals from ml-reviewers: rule production; the request asked for 1 and named no group"),
        "{text}"
    );

    let (_other, elsewhere) = config_file(
        &json!({
            "executionArn": "arn:aws:states:eu-west-1:123456789012:execution:side-project:run-1",
            "review": sample_review(),
        })
        .to_string(),
    );
    let (code, text) = check(Some(&elsewhere));
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("no policy rule admits state machine side-project"),
        "{text}"
    );
}

#[tokio::test]
async fn a_message_redelivered_after_a_crash_is_approved_by_its_stored_rule() {
    use app::domain::intake::parse_review_request;
    use app::domain::policy::resolve;
    use app::ssr::ports::{AuditRecord, NewReview};
    let (_dir, path) = config_file(STAGING_AUTO);
    let policies = server::config_file::load(&path).unwrap();
    // No poller: the test plays the transport, and the crash.
    let app = spawn_app_with(|args| {
        args.config = Some(path.clone());
        args.intake_queue_url = None;
    })
    .await;
    let arn = app.start_execution(&staging_review(0.05), &json!({})).await;
    let body = loop {
        let received = app
            .sqs
            .receive_message()
            .queue_url(&app.queue_url)
            .wait_time_seconds(2)
            .send()
            .await
            .unwrap();
        if let Some(message) = received.messages().first() {
            break message.body().unwrap().to_owned();
        }
    };
    // The first delivery stored the review, then the process died before
    // its rule approved it: the message was never deleted.
    let request = parse_review_request(&body).unwrap();
    let policy = resolve(policies.as_ref(), &request).unwrap();
    let review = NewReview {
        id: "crashed-before-approval".into(),
        failing_thresholds: app::domain::metrics::failing_thresholds(&request.spec),
        request,
        received_at_ms: chrono::Utc::now().timestamp_millis(),
        policy,
    };
    let audit = AuditRecord::system(
        review.received_at_ms,
        app::domain::audit_action::Action::Received,
        None,
        None,
    );
    app.store().insert_review(&review, &audit).await.unwrap();
    assert_eq!(
        app.review("crashed-before-approval").await["status"],
        "pending"
    );

    let source = app::ssr::IntakeSource {
        kind: "sqs",
        message_id: "redelivered".into(),
    };
    let outcome = app.services().receive_intake(&source, &body).await.unwrap();
    assert_eq!(
        outcome,
        app::ssr::IntakeOutcome::Duplicate {
            review_id: "crashed-before-approval".into()
        }
    );
    let review = app
        .wait_for_status("crashed-before-approval", "approved")
        .await;
    assert_eq!(
        review["decisions"][0]["reviewer_label"],
        "policy:staging-auto"
    );
    assert_eq!(
        *app.finished_execution(&arn).await.status(),
        ExecutionStatus::Succeeded
    );
    // A further redelivery changes nothing.
    app.services().receive_intake(&source, &body).await.unwrap();
    assert_eq!(
        app.review("crashed-before-approval").await["decisions"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    app.stop().await;
}
