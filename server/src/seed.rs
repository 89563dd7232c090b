//! `signoff seed`: provisions the intake queue and the example state machine
//! and starts one execution per sample review, so the demo has a queue. Also
//! drops one malformed message on the queue to show rejected intake.

use crate::aws::{provision, sdk_config};
use crate::config::SeedArgs;
use serde_json::{json, Value};

/// Starts the sample executions and prints the intake queue URL as
/// `SIGNOFF_INTAKE_QUEUE_URL=…` (the demo script reads that line).
pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let sdk = sdk_config(&args.aws).await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let sfn = aws_sdk_sfn::Client::new(&sdk);
    let queue_url = provision::intake_queue(&sqs, &args.queue_name).await?;
    let definition = provision::definition(&args.state_machine_file, &queue_url)?;
    let machine =
        provision::state_machine(&sfn, &args.state_machine_name, &definition, &args.role_arn)
            .await?;
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    for (slug, input) in samples() {
        let name = format!("{slug}-{run}");
        provision::start_execution(&sfn, &machine, &name, &input).await?;
        tracing::info!("started execution {name}");
    }
    sqs.send_message()
        .queue_url(&queue_url)
        .message_body(malformed_sample().to_string())
        .send()
        .await?;
    tracing::info!("sent one malformed request, to show rejected intake");
    println!("SIGNOFF_INTAKE_QUEUE_URL={queue_url}");
    Ok(())
}

fn review(
    title: &str,
    model: (&str, &str, &str),
    metrics: Value,
    baseline: Value,
    thresholds: Value,
    extra: Value,
) -> Value {
    let (name, version, stage) = model;
    let mut review = json!({
        "title": title,
        "model": {"name": name, "version": version, "stage": stage},
        "metrics": metrics,
        "baseline": baseline,
        "thresholds": thresholds,
        "artefacts": [
            {"label": "Evaluation report", "uri": format!("s3://signoff-demo-artefacts/{name}/{version}/report.html")},
            {"label": "Metrics", "uri": format!("s3://signoff-demo-artefacts/{name}/{version}/metrics.json")}
        ],
        "requestedBy": "ci@example.com",
        "reviewerGroup": "ml-reviewers",
        "requiredApprovals": 1,
        "timeoutSeconds": 86400,
        "onReject": "fail"
    });
    if let (Some(review), Some(extra)) = (review.as_object_mut(), extra.as_object()) {
        review.extend(extra.clone());
    }
    review
}

/// Several models, metrics better and worse than baseline, one breaching a
/// threshold, one needing two approvals, one requested by the demo user dana.
pub fn samples() -> Vec<(&'static str, Value)> {
    vec![
        (
            "churn-v42",
            json!({
                "review": review(
                    "Promote churn-model v42 to production",
                    ("churn-model", "42", "production"),
                    json!({"auc": 0.912, "precision": 0.83, "recall": 0.71}),
                    json!({"auc": 0.905, "precision": 0.84, "recall": 0.69}),
                    json!({"auc": {"min": 0.85}, "precision": {"min": 0.8}}),
                    json!({"timeoutSeconds": 6 * 3600}),
                ),
                "context": {"pipeline": "churn-nightly", "run": 1187}
            }),
        ),
        (
            "fraud-v17",
            json!({
                "review": review(
                    "Promote fraud-detector v17 to production",
                    ("fraud-detector", "17", "production"),
                    json!({"recall": 0.88, "precision": 0.74, "flagged_rate": 0.071}),
                    json!({"recall": 0.85, "precision": 0.77, "flagged_rate": 0.052}),
                    json!({"recall": {"min": 0.8}, "flagged_rate": {"max": 0.06}}),
                    json!({"timeoutSeconds": 2 * 3600, "requestedBy": "eve@example.com", "priority": "urgent"}),
                ),
                "context": {"pipeline": "fraud-weekly", "run": 53}
            }),
        ),
        (
            "ranker-v8",
            json!({
                "review": review(
                    "Roll out search-ranker v8 to 10% of traffic",
                    ("search-ranker", "8", "canary"),
                    json!({"ndcg_at_10": 0.462, "p99_latency_ms": 38, "coverage": 0.97}),
                    json!({"ndcg_at_10": 0.448, "p99_latency_ms": 41, "coverage": 0.97}),
                    json!({"p99_latency_ms": {"max": 50}, "coverage": {"min": 0.95}}),
                    json!({"timeoutSeconds": 12 * 3600, "requiredApprovals": 2}),
                ),
                "context": {"experiment": "ranker-ab-31"}
            }),
        ),
        (
            "forecast-v5",
            json!({
                "review": review(
                    "Promote demand-forecast v5 to production",
                    ("demand-forecast", "5", "production"),
                    json!({"mape": 0.118, "bias": -0.012}),
                    json!({"mape": 0.104, "bias": 0.004}),
                    json!({"mape": {"max": 0.15}, "bias": {"min": -0.05, "max": 0.05}}),
                    json!({"onReject": "succeed", "timeoutSeconds": 24 * 3600}),
                ),
                "context": {"pipeline": "forecast-daily", "region": "eu-west"}
            }),
        ),
        (
            "credit-v3",
            json!({
                "review": review(
                    "Promote credit-risk v3 to staging",
                    ("credit-risk", "3", "staging"),
                    json!({"gini": 0.61, "ks": 0.44, "approval_rate": 0.38}),
                    json!({"gini": 0.58, "ks": 0.45, "approval_rate": 0.36}),
                    json!({"gini": {"min": 0.5}}),
                    json!({"timeoutSeconds": 48 * 3600, "requestedBy": "dana@example.com"}),
                ),
                "context": {"pipeline": "credit-monthly"}
            }),
        ),
    ]
}

/// A request with a missing model name and a bad threshold.
fn malformed_sample() -> Value {
    json!({
        "version": 1,
        "taskToken": "demo-token-of-a-request-with-mistakes",
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:model-release-demo:typo",
        "stateName": "RequestApproval",
        "enteredTime": "2026-11-21T08:00:00Z",
        "review": {
            "title": "Promote churn-model v43 to production",
            "model": {"version": "43"},
            "metrics": {"auc": 0.90},
            "thresholds": {"auc": {"min": "high"}},
            "requestedBy": "ci@example.com"
        }
    })
}
