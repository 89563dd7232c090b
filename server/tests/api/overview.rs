//! The lead overview's charts and filters against the real server: the
//! numbers behind the three charts for the reviews a model or reviewer
//! group filter keeps, and the server-rendered page showing the filter in
//! force.

use crate::helpers::{sample_review, spawn_app_with, EVE, LEE};
use serde_json::{json, Value};

/// Sums `field` over the entries of the overview's list `list`.
fn total(overview: &Value, list: &str, field: &str) -> u64 {
    overview[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} in {overview}"))
        .iter()
        .map(|entry| entry[field].as_u64().unwrap_or_default())
        .sum()
}

/// How many decisions the time-to-decision buckets hold, within the
/// target and in all.
fn bucketed(overview: &Value) -> (u64, u64) {
    let buckets = overview["time_buckets"].as_array().expect("buckets");
    let count = |b: &&Value| b["count"].as_u64().unwrap_or_default();
    (
        buckets
            .iter()
            .filter(|b| b["within_target"] == true)
            .map(|b| count(&b))
            .sum(),
        buckets.iter().map(|b| count(&b)).sum(),
    )
}

#[tokio::test]
async fn the_overview_charts_the_decisions_a_model_or_group_filter_keeps() {
    // A one-hour target: 10 and 30 minutes are within it, 2 hours is not.
    let app = spawn_app_with(|args| args.review_target_minutes = 60).await;
    let churn = sample_review();
    let mut fraud = sample_review();
    fraud["model"]["name"] = json!("fraud-detector");
    fraud["reviewerGroup"] = json!("fraud-reviewers");
    let (_, quick) = app.new_review(&churn, &json!({})).await;
    let (_, slow) = app.new_review(&churn, &json!({})).await;
    let (_, other) = app.new_review(&fraud, &json!({})).await;
    // Still waiting: one fraud review and two churn reviews.
    app.new_review(&fraud, &json!({})).await;
    app.new_review(&churn, &json!({})).await;
    app.new_review(&churn, &json!({})).await;
    assert_eq!(app.decide(&quick, "approve", "").await.0, 200);
    assert_eq!(
        app.decide(&slow, "reject", "too slow to trust").await.0,
        200
    );
    app.sign_in_as(EVE).await;
    assert_eq!(app.decide(&other, "approve", "").await.0, 200);
    for (id, took_ms) in [
        (&quick, 600_000_i64),
        (&slow, 7_200_000),
        (&other, 1_800_000),
    ] {
        app.probe.decided_after(id, took_ms).await;
    }

    app.sign_in_as(LEE).await;
    let overview = |query: Vec<(&'static str, &'static str)>| {
        let app = &app;
        async move {
            let (status, overview) = app.call("overview", &query).await;
            assert_eq!(status, 200, "{overview}");
            overview
        }
    };
    let all = overview(vec![("days", "7")]).await;
    assert_eq!(all["decided"], 3);
    assert_eq!(all["per_day"].as_array().map(Vec::len), Some(7), "{all}");
    assert_eq!(
        (
            total(&all, "per_day", "approved"),
            total(&all, "per_day", "rejected")
        ),
        (2, 1)
    );
    assert_eq!(bucketed(&all), (2, 3));
    assert_eq!(
        (
            total(&all, "per_week", "decided"),
            total(&all, "per_week", "within")
        ),
        (3, 2)
    );
    assert_eq!(all["target_ms"], 3_600_000);
    assert_eq!(all["models"], json!(["churn-model", "fraud-detector"]));
    let groups = all["groups"].as_array().expect("groups");
    assert!(groups.contains(&json!("fraud-reviewers")), "{groups:?}");

    // A model, typed in another case: the churn reviews only.
    let churn_only = overview(vec![("days", "7"), ("model", "Churn-Model")]).await;
    assert_eq!(churn_only["decided"], 1 + 1);
    assert_eq!(bucketed(&churn_only), (1, 2));
    assert_eq!(
        churn_only["decisions_by_reviewer"],
        json!([["ada@example.com", 1, 1]])
    );
    // A group: the fraud review only, and with a model it does not cover,
    // nothing.
    let group = overview(vec![("group", "fraud-reviewers")]).await;
    assert_eq!(group["decided"], 1);
    assert_eq!(total(&group, "per_day", "approved"), 1);
    assert_eq!(group["period_days"], 30);
    let neither = overview(vec![("model", "churn-model"), ("group", "fraud-reviewers")]).await;
    // What waits is narrowed too.
    let waiting = |overview: &Value| -> u64 {
        overview["pending_by_age"]
            .as_array()
            .expect("pending by age")
            .iter()
            .map(|bucket| bucket[1].as_u64().unwrap_or_default())
            .sum()
    };
    assert_eq!(
        [&all, &churn_only, &group, &neither].map(waiting),
        [3, 2, 1, 0]
    );
    assert_eq!(neither["decided"], 0);
    assert_eq!(bucketed(&neither), (0, 0));
    assert_eq!(total(&neither, "per_week", "decided"), 0);

    // The page shows the filter and the period in force in its own HTML.
    let html = app.page("/overview?days=7&model=fraud-detector").await;
    assert!(
        html.contains(r#"<option value="fraud-detector" selected"#),
        "the model picker shows the filter: {html}"
    );
    assert!(
        html.contains(
            r#"href="/overview?model=fraud-detector&amp;days=7" aria-current="true">7 days"#
        ),
        "the period in force is marked: {html}"
    );
    assert_eq!(
        html.matches("aria-current=\"true\"").count(),
        1,
        "one period is current"
    );
    assert!(
        html.contains(r#"href="/overview?model=fraud-detector&amp;days=30""#),
        "the other periods keep the filter: {html}"
    );
    assert_eq!(html.matches(r#"role="img""#).count(), 3, "three charts");
    assert_eq!(html.matches("<details").count(), 3, "each with its table");
    assert!(
        html.contains("Time to a decision for 1 review in the last 7 days: 1 within the 1h target"),
        "{html}"
    );
    app.stop().await;
}
