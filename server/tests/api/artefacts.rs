//! Artefact links: presigned against the emulator's S3, one audit entry per
//! person, object and link window, previews of small objects fetched once
//! the page is shown, plain words for what is missing, nothing for a
//! signed-out visitor, and no S3 call for what is asked again or for a
//! bucket outside `--artefact-buckets`.

use crate::helpers::{
    emulator_endpoint, emulator_s3, sample_review, short_id, spawn_app, spawn_app_with, ADA, BOB,
    ROOT,
};
use crate::recorder::{Recorded, Recording};
use app::domain::artefact::buckets::ArtefactBuckets;
use serde_json::{json, Value};
use std::collections::BTreeMap;

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

/// What `/api/artefact_preview` answers for the artefact at `position`.
async fn preview(app: &crate::helpers::TestApp, id: &str, position: usize) -> Value {
    let position = position.to_string();
    let (status, answer) = app
        .call("artefact_preview", &[("id", id), ("position", &position)])
        .await;
    assert_eq!(status, 200, "{answer}");
    answer
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

    // Small objects preview (text ones fetched by the shown page); a large
    // text file does not; HTML never does.
    assert_eq!(metrics["preview"], "Fetched");
    assert_eq!(
        preview(&app, &id, 1).await,
        json!({"html": "<pre tabindex=\"0\" role=\"region\" aria-label=\"Metrics (preview)\" class=\"artefact-preview\">{\n  \"auc\": 0.912\n}</pre>", "problem": null})
    );
    assert_eq!(by_label(&links, "Segments")["preview"], "Fetched");
    let segments = preview(&app, &id, 2).await;
    let table = segments["html"].as_str().unwrap();
    assert!(
        table.contains("<th scope=\"col\">segment</th><th scope=\"col\">auc</th>"),
        "{table}"
    );
    assert!(
        table.contains("<tr><td>new</td><td>0.87</td></tr><tr><td>old</td><td>0.92</td></tr>"),
        "{table}"
    );
    assert!(!table.contains("Not shown"), "{table}");
    assert_eq!(by_label(&links, "Curve")["preview"], json!("Image"));
    assert!(by_label(&links, "Notes")["preview"].is_null());
    assert_eq!(by_label(&links, "Notes")["size_bytes"], 100 * 1024);
    assert!(report["preview"].is_null());
    // What does not preview says so, and what is missing says why.
    assert_eq!(preview(&app, &id, 0).await["html"], Value::Null);
    let missing = preview(&app, &id, 5).await;
    assert!(
        missing["problem"]
            .as_str()
            .unwrap()
            .starts_with("Nothing is stored at"),
        "{missing}"
    );
    let (status, _) = app
        .call("artefact_preview", &[("id", &id), ("position", "99")])
        .await;
    assert_eq!(status, 404);

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

    // One audit entry per linked object (previews and a second look are
    // under the same links): who, which object, until when.
    let (status, again) = app.call("artefacts", &[("id", &id)]).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        by_label(&again, "Metrics")["expires_at_ms"],
        metrics["expires_at_ms"]
    );
    let issued: Vec<(String, String)> = app
        .probe
        .audit_entries_of(&id, "artefact link issued")
        .await
        .into_iter()
        .map(|(actor, detail)| (actor, detail.expect("a link entry has a detail")))
        .collect();
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

    // Nobody signed in, no links, no previews, and nothing issued.
    app.sign_out();
    let (status, _) = app.call("artefacts", &[("id", &id)]).await;
    assert_eq!(status, 401);
    let (status, _) = app
        .call("artefact_preview", &[("id", &id), ("position", "1")])
        .await;
    assert_eq!(status, 401);
    assert_eq!(app.probe.audit_count("artefact link issued").await, 5);
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

/// Every artefact's link, in the review's order.
fn hrefs(links: &Value) -> Vec<String> {
    links
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|item| item["href"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_reload_within_the_window_hands_out_the_links_signed_first() {
    let bucket = stocked_bucket().await;
    let app = spawn_app().await;
    let (_, id) = app.new_review(&with_artefacts(&bucket), &json!({})).await;
    let (status, first) = app.call("artefacts", &[("id", &id)]).await;
    assert_eq!(status, 200, "{first}");
    let signed = hrefs(&first);
    assert!(
        signed
            .iter()
            .filter(|h| h.contains("X-Amz-Signature="))
            .count()
            >= 5,
        "{first}"
    );
    // A link signed a second later would carry another X-Amz-Date.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (status, again) = app.call("artefacts", &[("id", &id)]).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(hrefs(&again), signed);
    // Each link still opens the object.
    let report = by_label(&again, "Metrics")["href"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.http.get(&report, None).await.status, 200);
    app.stop().await;
}

/// How many link entries there are per object, from `(actor, detail)`
/// entries whose detail reads "OBJECT valid until …" (entries that read
/// otherwise all count as the one object "", so any of them shows).
fn entries_per_object(
    entries: impl Iterator<Item = (String, Option<String>)>,
) -> BTreeMap<Option<String>, usize> {
    let mut counts = BTreeMap::new();
    for (_, detail) in entries {
        let object = detail.map(|d| match d.find(" valid until") {
            Some(end) => d[..end].to_owned(),
            None => String::new(),
        });
        *counts.entry(object).or_default() += 1;
    }
    counts
}

/// How many times each request reached the emulator.
fn tally(requests: Vec<Recorded>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in requests {
        *counts
            .entry(format!("{} {}", request.method, request.path))
            .or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn reloads_and_previews_ask_s3_once_per_object_and_audit_once_per_person() {
    let bucket = stocked_bucket().await;
    let app = spawn_app().await;
    let (_, id) = app.new_review(&with_artefacts(&bucket), &json!({})).await;
    let recording = Recording::start(&emulator_endpoint()).await;

    // One viewer, 20 rapid loads of the page, each followed by the two
    // text previews its page would fetch, all at once.
    let page = format!("/reviews/{id}");
    let loads = (0..20).map(|_| async {
        let html = app.page(&page).await;
        assert!(html.contains("Loading the preview…"), "{html}");
        preview(&app, &id, 1).await;
        preview(&app, &id, 2).await;
    });
    futures::future::join_all(loads).await;

    let asked = tally(recording.requests_to(&bucket).await);
    // Each object was looked up (HeadObject) and each text preview read
    // (GetObject), once; the missing one once more to tell the bucket
    // from the object (HeadBucket).
    let heads = asked.keys().filter(|k| k.starts_with("HEAD /")).count();
    let gets = asked.keys().filter(|k| k.starts_with("GET /")).count();
    assert_eq!((heads, gets), (7, 2), "{asked:#?}");
    assert!(asked.values().all(|n| *n == 1), "{asked:#?}");

    // One link entry per object for this person, however many loads.
    let issued = |actor: String| {
        let (app, id) = (&app, &id);
        async move {
            let entries = app.probe.audit_entries_of(id, "artefact link issued").await;
            entries_per_object(entries.into_iter().filter(|(by, _)| *by == actor))
        }
    };
    let ada = issued(ADA.email()).await;
    assert_eq!(ada.len(), 5, "{ada:?}");
    assert!(ada.iter().all(|(_, n)| *n == 1), "{ada:?}");

    // Another person gets their own entries; S3 is not asked again.
    app.sign_in_as(BOB).await;
    for _ in 0..3 {
        app.page(&page).await;
        preview(&app, &id, 1).await;
    }
    let bob = issued(BOB.email()).await;
    assert_eq!(bob.len(), 5, "{bob:?}");
    assert!(bob.iter().all(|(_, n)| *n == 1), "{bob:?}");
    assert_eq!(tally(recording.requests_to(&bucket).await), asked);
    drop(recording);
    app.stop().await;
}

#[tokio::test]
async fn buckets_outside_the_allow_list_are_refused_at_intake_and_never_asked() {
    let (allowed, forbidden) = (stocked_bucket().await, stocked_bucket().await);
    let outside = {
        let mut review = sample_review();
        review["artefacts"] = json!([
            {"label": "Metrics", "uri": format!("s3://{allowed}/run/metrics.json")},
            {"label": "Secrets", "uri": format!("s3://{forbidden}/run/metrics.json")}
        ]);
        review
    };
    let buckets = ArtefactBuckets::parse(&format!("{allowed}/run/*")).unwrap();

    // Stored before the list was set...
    let before = spawn_app().await;
    let (_, id) = before.new_review(&outside, &json!({})).await;
    // ...then opened by a server with the list: S3 is never asked about it.
    let app = spawn_app_with(|args| {
        args.database_url = before.database_url.clone();
        args.artefact_buckets = Some(buckets.clone());
    })
    .await;
    let recording = Recording::start(&emulator_endpoint()).await;
    let (status, links) = app.call("artefacts", &[("id", &id)]).await;
    assert_eq!(status, 200, "{links}");
    let secrets = by_label(&links, "Secrets");
    assert!(secrets["href"].is_null(), "{secrets}");
    assert_eq!(
        secrets["problem"],
        format!("Signoff does not open artefacts in bucket \"{forbidden}\".")
    );
    assert!(by_label(&links, "Metrics")["href"].is_string(), "{links}");
    let answer = preview(&app, &id, 1).await;
    assert!(answer["html"].is_null(), "{answer}");
    let html = app.page(&format!("/reviews/{id}")).await;
    assert!(
        html.contains(&format!(
            "Signoff does not open artefacts in bucket &quot;{forbidden}&quot;."
        )) || html.contains(&format!(
            "Signoff does not open artefacts in bucket \"{forbidden}\"."
        )),
        "{html}"
    );
    assert_eq!(recording.requests_to(&forbidden).await, vec![]);
    assert!(!recording.requests_to(&allowed).await.is_empty());
    drop(recording);

    // A new request naming it is refused at intake, naming the artefact
    // and its bucket.
    app.sign_in_as(ROOT).await;
    app.start_execution(&outside, &json!({})).await;
    let rejected = app.wait_for_rejected_intake(1).await;
    let reasons = rejected[0]["reasons"].to_string();
    assert!(
        reasons.contains(&format!(
            "review.artefacts[1].uri: artefact \\\"Secrets\\\": Signoff does not open artefacts in bucket \\\"{forbidden}\\\" (--artefact-buckets)"
        )),
        "{reasons}"
    );
    assert_eq!(
        app.probe.reviews_stored().await,
        1,
        "only the review stored before the list"
    );
    app.stop().await;
    before.stop().await;
}

#[tokio::test]
async fn settings_say_which_buckets_are_open() {
    let open = spawn_app().await;
    open.sign_in_as(ROOT).await;
    let html = open.page("/settings").await;
    assert!(
        html.contains("any bucket Signoff&#x27;s role can read is open")
            || html.contains("any bucket Signoff's role can read is open"),
        "{html}"
    );
    let (_, settings) = open.call("settings", &[]).await;
    assert_eq!(settings["artefact_buckets"], Value::Null);
    open.stop().await;

    let listed = spawn_app_with(|args| {
        args.artefact_buckets = Some(ArtefactBuckets::parse("ml-artefacts,ml-*/churn/*").unwrap())
    })
    .await;
    listed.sign_in_as(ROOT).await;
    let (_, settings) = listed.call("settings", &[]).await;
    assert_eq!(
        settings["artefact_buckets"],
        json!(["ml-artefacts", "ml-*/churn/*"])
    );
    let html = listed.page("/settings").await;
    assert!(!html.contains("role can read is open"), "{html}");
    listed.stop().await;
}
