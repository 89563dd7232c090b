//! Artefact links: presigned against the emulator's S3, one audit entry per
//! link, previews of small objects, plain words for what is missing, and
//! nothing for a signed-out visitor.

use crate::helpers::{emulator_s3, sample_review, short_id, spawn_app, spawn_app_with, ADA};
use serde_json::{json, Value};

/// A bucket of its own with one object of each kind the page treats apart.
async fn stocked_bucket() -> String {
    let bucket = format!("artefacts-{}", short_id());
    let big_text = "x".repeat(100 * 1024);
    let objects: Vec<(String, &str, Vec<u8>)> = vec![
        (
            "run/report.html".into(),
            "text/html",
            b"<h1>Report</h1>".to_vec(),
        ),
        (
            "run/metrics.json".into(),
            "application/json",
            br#"{"auc":0.912}"#.to_vec(),
        ),
        (
            "run/segments.csv".into(),
            "text/csv",
            b"segment,auc\nnew,0.87\nold,0.92\n".to_vec(),
        ),
        ("run/notes.txt".into(), "text/plain", big_text.into_bytes()),
        (
            "run/curve.svg".into(),
            "image/svg+xml",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
        ),
    ];
    server::aws::provision::bucket_with(&emulator_s3().await, &bucket, objects)
        .await
        .expect("bucket stocked");
    bucket
}

fn with_artefacts(bucket: &str) -> Value {
    let mut review = sample_review();
    review["artefacts"] = json!([
        {"label": "Report", "uri": format!("s3://{bucket}/run/report.html")},
        {"label": "Metrics", "uri": format!("s3://{bucket}/run/metrics.json")},
        {"label": "Segments", "uri": format!("s3://{bucket}/run/segments.csv")},
        {"label": "Notes", "uri": format!("s3://{bucket}/run/notes.txt")},
        {"label": "Curve", "uri": format!("s3://{bucket}/run/curve.svg")},
        {"label": "Drift", "uri": format!("s3://{bucket}/run/drift.html")},
        {"label": "Elsewhere", "uri": "s3://no-such-bucket-signoff/run/report.html"},
        {"label": "Dashboard", "uri": "https://dashboards.example.com/churn/42"}
    ]);
    review
}

fn by_label<'a>(links: &'a Value, label: &str) -> &'a Value {
    links
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["label"] == label)
        .unwrap_or_else(|| panic!("no {label} in {links}"))
}

#[tokio::test]
async fn artefacts_are_presigned_previewed_audited_and_explained() {
    let bucket = stocked_bucket().await;
    let app = spawn_app().await;
    let (_, id) = app.new_review(&with_artefacts(&bucket), &json!({})).await;

    let (status, links) = app.call("artefacts", &[("id", &id)]).await;
    assert_eq!(status, 200, "{links}");

    // Every stored object gets a link to the emulator, valid ten minutes.
    for label in ["Report", "Metrics", "Segments", "Notes", "Curve"] {
        let href = by_label(&links, label)["href"].as_str().expect("a link");
        assert!(href.contains(&format!("/{bucket}/run/")), "{href}");
        assert!(href.contains("X-Amz-Signature="), "{href}");
        assert!(href.contains("X-Amz-Expires=600"), "{href}");
        assert!(by_label(&links, label)["problem"].is_null());
    }

    // The link opens the object itself; a report downloads under its name.
    let report = by_label(&links, "Report");
    assert_eq!(report["download"], true);
    let fetched = app.http.get(report["href"].as_str().unwrap(), None).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, "<h1>Report</h1>");
    assert_eq!(
        fetched.content_disposition.as_deref(),
        Some("attachment; filename=\"report.html\"")
    );
    let metrics = by_label(&links, "Metrics");
    assert_eq!(metrics["download"], false);
    let fetched = app.http.get(metrics["href"].as_str().unwrap(), None).await;
    assert_eq!(fetched.body, r#"{"auc":0.912}"#);

    // Small objects preview; a large text file does not; HTML never does.
    assert_eq!(
        metrics["preview"],
        json!({"Json": "{\n  \"auc\": 0.912\n}"})
    );
    assert_eq!(
        by_label(&links, "Segments")["preview"],
        json!({"Table": {"header": ["segment", "auc"], "rows": [["new", "0.87"], ["old", "0.92"]], "more_rows": 0}})
    );
    assert_eq!(by_label(&links, "Curve")["preview"], json!("Image"));
    assert!(by_label(&links, "Notes")["preview"].is_null());
    assert_eq!(by_label(&links, "Notes")["size_bytes"], 100 * 1024);
    assert!(report["preview"].is_null());

    // What is missing is said, with no link.
    let drift = by_label(&links, "Drift");
    assert!(drift["href"].is_null());
    assert_eq!(
        drift["problem"],
        format!("Nothing is stored at s3://{bucket}/run/drift.html: it may not have been uploaded yet, or it was deleted.")
    );
    let elsewhere = by_label(&links, "Elsewhere");
    assert!(elsewhere["href"].is_null());
    let problem = elsewhere["problem"].as_str().unwrap();
    assert!(
        problem.starts_with("The bucket \"no-such-bucket-signoff\" does not exist"),
        "{problem}"
    );

    // An https artefact is passed on as sent.
    let dashboard = by_label(&links, "Dashboard");
    assert_eq!(dashboard["href"], "https://dashboards.example.com/churn/42");
    assert!(dashboard["expires_at_ms"].is_null());

    // One audit entry per presigned link: who, which object, until when.
    let issued: Vec<(String, String)> = sqlx::query_as(
        "select actor, detail from audit_entry where review_id = ? and action = 'artefact link issued' order by id",
    )
    .bind(&id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(issued.len(), 5, "{issued:?}");
    assert!(issued.iter().all(|(actor, _)| *actor == ADA.email()));
    let mut objects: Vec<String> = issued
        .iter()
        .map(|(_, detail)| detail.split(" valid until ").next().unwrap().to_owned())
        .collect();
    objects.sort_unstable();
    let expected: Vec<String> = [
        "curve.svg",
        "metrics.json",
        "notes.txt",
        "report.html",
        "segments.csv",
    ]
    .iter()
    .map(|file| format!("s3://{bucket}/run/{file}"))
    .collect();
    assert_eq!(objects, expected);
    assert!(issued[0].1.contains(" valid until 20"), "{}", issued[0].1);

    // Links are not review changes: the review's history leaves them out.
    let detail = app.review(&id).await;
    let actions: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert!(!actions.contains(&"artefact link issued"), "{actions:?}");

    // Nobody signed in, no links, and nothing issued.
    app.sign_out();
    let (status, _) = app.call("artefacts", &[("id", &id)]).await;
    assert_eq!(status, 401);
    let (count,): (i64,) =
        sqlx::query_as("select count(*) from audit_entry where action = 'artefact link issued'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(count, 5);
    app.stop().await;
}

#[tokio::test]
async fn link_lifetime_is_configurable_and_unknown_reviews_are_not_found() {
    let bucket = stocked_bucket().await;
    let app = spawn_app_with(|args| args.artefact_link_minutes = 2).await;
    let (_, id) = app.new_review(&with_artefacts(&bucket), &json!({})).await;
    let (status, links) = app.call("artefacts", &[("id", &id)]).await;
    assert_eq!(status, 200, "{links}");
    let metrics = by_label(&links, "Metrics");
    assert!(
        metrics["href"]
            .as_str()
            .unwrap()
            .contains("X-Amz-Expires=120"),
        "{metrics}"
    );
    let (status, _) = app.call("artefacts", &[("id", "no-such-review")]).await;
    assert_eq!(status, 404);
    app.stop().await;
}
