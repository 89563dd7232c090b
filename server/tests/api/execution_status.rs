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
