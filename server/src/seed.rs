//! `signoff seed`: provisions the intake queue and the example state machine
//! and starts one execution per sample review, so the demo has a queue;
//! stores the samples' artefacts in S3 (all but one, to show what a missing
//! object looks like). Also drops one malformed message on the queue to
//! show rejected intake. With `--history-days`, also the weeks of decided
//! reviews before the demo (crate::demo_history).

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
    let samples = samples();
    store_sample_artefacts(&crate::aws::s3_client(
        &sdk,
        args.aws.endpoint_url.is_some(),
    ))
    .await?;
    tracing::info!("stored the sample artefacts in s3://{DEMO_BUCKET}");
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    for (slug, input) in samples {
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
    if let (days @ 1.., Some(url)) = (args.history_days, args.database_url.as_deref()) {
        let stores = crate::db::connect(url).await?;
        let now_ms = chrono::Utc::now().timestamp_millis();
        let written = crate::demo_history::write(&stores, now_ms, days).await?;
        tracing::info!("wrote {written} reviews decided in the {days} days before now");
    }
    println!("SIGNOFF_INTAKE_QUEUE_URL={queue_url}");
    Ok(())
}

/// Where the sample reviews' artefacts are.
pub const DEMO_BUCKET: &str = "signoff-demo-artefacts";
/// The one sample artefact left out of the bucket.
const NEVER_UPLOADED: &str = "drift.html";

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
            {"label": "Evaluation report", "uri": format!("s3://{DEMO_BUCKET}/{name}/{version}/report.html")},
            {"label": "Metrics", "uri": format!("s3://{DEMO_BUCKET}/{name}/{version}/metrics.json")}
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
/// threshold, one needing two approvals, one requested by the demo user dana,
/// one the demo's policy approves by itself and one whose requester hides a
/// zero-width space; artefacts of every kind the review page previews, and
/// one never uploaded.
pub fn samples() -> Vec<(&'static str, Value)> {
    let mut samples = vec![
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
                    // A `*_rate` is usually better lower; here the pipeline knows better.
                    json!({"timeoutSeconds": 48 * 3600, "requestedBy": "dana@example.com",
                           "directions": {"approval_rate": "higher"}}),
                ),
                "context": {"pipeline": "credit-monthly"}
            }),
        ),
        (
            // The demo's policy approves it by itself (rule embeddings-auto):
            // it never waits in the queue, and its history says why.
            "embeddings-v12",
            json!({
                "review": review(
                    "Refresh embeddings-search v12 in staging",
                    ("embeddings-search", "12", "staging"),
                    json!({"recall_at_10": 0.81, "p95_latency_ms": 31}),
                    json!({"recall_at_10": 0.79, "p95_latency_ms": 33}),
                    json!({"recall_at_10": {"min": 0.75}, "p95_latency_ms": {"max": 40}}),
                    json!({"timeoutSeconds": 6 * 3600}),
                ),
                "context": {"pipeline": "embeddings-nightly"}
            }),
        ),
        (
            // A requester with a zero-width space after the address: it
            // reads as dana's but is not, and intake refuses it (the task
            // fails with Signoff.InvalidRequest).
            "spoofed-requester",
            json!({
                "review": review(
                    "Promote credit-risk v4 to production",
                    ("credit-risk", "4", "production"),
                    json!({"gini": 0.63}),
                    json!({"gini": 0.61}),
                    json!({"gini": {"min": 0.5}}),
                    json!({"requestedBy": "dana@example.com\u{200B}"}),
                ),
                "context": {"pipeline": "credit-monthly"}
            }),
        ),
    ];
    for (slug, sample) in &mut samples {
        match *slug {
            "churn-v42" => add_artefact(sample, "AUC by customer segment", "segments.csv"),
            "fraud-v17" => add_artefact(sample, "Precision-recall curve", "pr-curve.svg"),
            "credit-v3" => add_artefact(sample, "Drift report", NEVER_UPLOADED),
            _ => {}
        }
    }
    samples
}

/// Stores the objects behind the samples' artefacts (all but the one left
/// out on purpose) in [`DEMO_BUCKET`].
pub async fn store_sample_artefacts(s3: &aws_sdk_s3::Client) -> anyhow::Result<()> {
    provision::bucket_with(s3, DEMO_BUCKET, demo_objects(&samples())).await
}

/// Appends an artefact stored beside the sample's report.
fn add_artefact(sample: &mut Value, label: &str, file: &str) {
    let review = &mut sample["review"];
    let (name, version) = (
        review["model"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        review["model"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    );
    if let Some(artefacts) = review["artefacts"].as_array_mut() {
        artefacts.push(
            json!({"label": label, "uri": format!("s3://{DEMO_BUCKET}/{name}/{version}/{file}")}),
        );
    }
}

/// The objects behind the samples' artefacts: `(key, content type, body)`.
fn demo_objects(samples: &[(&str, Value)]) -> Vec<(String, &'static str, Vec<u8>)> {
    let mut objects = Vec::new();
    for (_, sample) in samples {
        let review = &sample["review"];
        let uris = review["artefacts"].as_array().cloned().unwrap_or_default();
        for uri in uris.iter().filter_map(|a| a["uri"].as_str()) {
            let Some(key) = uri.strip_prefix(&format!("s3://{DEMO_BUCKET}/")) else {
                continue;
            };
            let file = key.rsplit('/').next().unwrap_or_default();
            let object = match file {
                "report.html" => Some(("text/html", report_html(review))),
                "metrics.json" => Some((
                    "application/json",
                    json!({"metrics": review["metrics"], "baseline": review["baseline"]})
                        .to_string(),
                )),
                "segments.csv" => Some(("text/csv", SEGMENTS_CSV.to_owned())),
                "pr-curve.svg" => Some(("image/svg+xml", PR_CURVE_SVG.to_owned())),
                _ => None,
            };
            if let Some((content_type, body)) = object {
                objects.push((key.to_owned(), content_type, body.into_bytes()));
            }
        }
    }
    objects
}

fn report_html(review: &Value) -> String {
    let title = review["title"].as_str().unwrap_or_default();
    let rows: String = review["metrics"]
        .as_object()
        .map(|metrics| {
            metrics
                .iter()
                .map(|(name, value)| {
                    format!(
                        "<tr><td>{name}</td><td>{value}</td><td>{}</td></tr>",
                        review["baseline"][name]
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{title}</title>\
         <h1>Evaluation report</h1><p>{title}</p>\
         <table><tr><th>Metric</th><th>Candidate</th><th>Baseline</th></tr>{rows}</table></html>"
    )
}

const SEGMENTS_CSV: &str = "segment,customers,auc,baseline_auc
new (< 3 months),18240,0.874,0.861
established,96512,0.921,0.915
at risk,12077,0.889,0.893
enterprise,2310,0.902,0.884
";

const PR_CURVE_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 180" width="240" height="180">
<rect width="240" height="180" fill="#fff"/>
<path d="M30 150 H220 M30 150 V20" stroke="#555" fill="none"/>
<polyline points="30,30 80,34 120,42 160,60 190,95 215,150" stroke="#1f6f50" stroke-width="2.5" fill="none"/>
<polyline points="30,36 80,42 120,52 160,72 190,108 215,150" stroke="#999" stroke-width="1.5" stroke-dasharray="4 3" fill="none"/>
<text x="120" y="172" font-size="11" text-anchor="middle" fill="#333">recall</text>
<text x="12" y="90" font-size="11" text-anchor="middle" fill="#333" transform="rotate(-90 12 90)">precision</text>
</svg>
"##;

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
