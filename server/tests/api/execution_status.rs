//! An execution's status as pages show it: remembered a few seconds and
//! drawn from the reconciler's `DescribeExecution` budget, counted as the
//! calls reach the emulator (moto's request recorder, on a private
//! emulator so that no other test's calls are counted).

use crate::faults::PrivateEmulator;
use crate::helpers::{sample_review, spawn_app_on};
use crate::http::{Http, ScratchDir};
use crate::recorder::sfn_requests;
use serde_json::json;
use std::time::Instant;

/// Recorded `DescribeExecution` calls naming `arn`.
fn describe_calls(recording: &str, arn: &str) -> usize {
    sfn_requests(recording)
        .iter()
        .filter(|r| r.operation == "DescribeExecution" && r.body["executionArn"] == arn)
        .count()
}

#[tokio::test]
async fn looping_a_review_spends_a_bounded_number_of_describe_execution_calls() {
    let dir = ScratchDir::new();
    let recording = dir.path().join("moto_recording");
    let recording = recording.to_string_lossy();
    let emulator =
        PrivateEmulator::start_with_env(&[("MOTO_RECORDER_FILEPATH", recording.as_ref())]).await;
    let app = spawn_app_on(&emulator.url, |args| {
        args.reconcile_per_second = 2;
        args.reconcile_every_seconds = 3600;
    })
    .await;
    let (arn, id) = app.new_review(&sample_review(), &json!({})).await;
    let http = Http::new();
    let recorder = |what: &str| format!("{}/moto-api/recorder/{what}", emulator.url);
    http.post_json(&recorder("start-recording"), "").await;

    const VIEWS: usize = 60;
    let started = Instant::now();
    for _ in 0..VIEWS {
        let (status, execution) = app.call("execution", &[("id", &id)]).await;
        assert_eq!(status, 200, "{execution}");
        assert_eq!(execution["status"], "RUNNING", "{execution}");
    }
    let elapsed = started.elapsed();
    http.post_json(&recorder("stop-recording"), "").await;
    let downloaded = http.get(&recorder("download-recording"), None).await;
    let calls = describe_calls(&downloaded.body, &arn);
    // One reading per 5 seconds for the viewer, and the reconciler's one
    // check of a review it has never checked: never one call per view.
    let bound = 2 + usize::try_from(elapsed.as_secs() / 5).unwrap_or(usize::MAX);
    println!("{VIEWS} views in {elapsed:?}: {calls} DescribeExecution calls (at most {bound})");
    assert!(calls >= 1, "the status came from Step Functions");
    assert!(calls <= bound, "{calls} calls for {VIEWS} views");
    app.stop().await;
}

#[tokio::test]
async fn an_execution_step_functions_no_longer_knows_is_said_to_be_gone() {
    let app = crate::helpers::spawn_app().await;
    let now = chrono::Utc::now();
    let message = json!({
        "version": 1,
        "taskToken": "execution-status-test-token",
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:long-gone:run-1",
        "stateName": "RequestApproval",
        "enteredTime": now.to_rfc3339(),
        "review": sample_review(),
    });
    let request = app::domain::intake::parse_review_request(&message.to_string()).unwrap();
    let review = app::ssr::ports::NewReview {
        id: "long-gone".into(),
        policy: app::domain::policy::EffectivePolicy::from_request(&request.spec),
        failing_thresholds: 0,
        request,
        received_at_ms: now.timestamp_millis(),
    };
    let audit = app::ssr::ports::AuditRecord::system(
        now.timestamp_millis(),
        app::domain::audit_action::Action::Received,
        None,
        None,
    );
    app.store().insert_review(&review, &audit).await.unwrap();

    let (status, execution) = app.call("execution", &[("id", "long-gone")]).await;
    assert_eq!(status, 200, "{execution}");
    assert_eq!(execution["status"], "NOT_FOUND", "{execution}");
    let said = execution["error"].as_str().unwrap();
    assert!(said.contains("no such execution"), "{said}");
    app.stop().await;
}
