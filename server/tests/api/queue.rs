//! The queue's filters, search, sort and keyset pages, on a real SQLite
//! file. Reviews are stored through the same store call intake uses (their
//! executions do not exist: only the queue is under test here).

use crate::helpers::{sample_review, spawn_app, TestApp};
use app::domain::intake::parse_review_request;
use app::domain::policy::EffectivePolicy;
use app::ssr::ports::{AuditRecord, NewReview};
use serde_json::{json, Value};

async fn store_review(app: &TestApp, n: usize, review: Value) {
    let now = chrono::Utc::now();
    let message = json!({
        "version": 1,
        "taskToken": format!("queue-test-token-{n}"),
        "executionArn": format!("arn:aws:states:us-east-1:123456789012:execution:queue-test:run-{n}"),
        "stateName": "RequestApproval",
        "enteredTime": now.to_rfc3339(),
        "review": review,
    });
    let request = parse_review_request(&message.to_string()).expect("a valid request");
    let at_ms = now.timestamp_millis();
    let review = NewReview {
        id: format!("queue-test-{n:03}"),
        policy: EffectivePolicy::from_request(&request.spec),
        request,
        received_at_ms: at_ms + n as i64,
    };
    let audit = AuditRecord::system(at_ms, "received", None, None);
    app.store().insert_review(&review, &audit).await.unwrap();
}

async fn queue(app: &TestApp, query: &str) -> Value {
    let (status, page) = app.call("queue", &[("query", query)]).await;
    assert_eq!(status, 200, "{query}: {page}");
    page
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_queue_filters_searches_sorts_and_pages() {
    let app = spawn_app().await;
    for n in 0..120 {
        let mut review = sample_review();
        // Later n, later deadline: the default order is by n.
        review["timeoutSeconds"] = json!(3_600 + n);
        if n % 10 == 0 {
            review["model"]["name"] = json!("fraud-detector");
            review["title"] = json!(format!("Promote fraud-detector v{n}"));
        }
        if n % 40 == 0 {
            review["priority"] = json!("urgent");
        }
        if n % 3 == 0 {
            // Within its thresholds.
            review["metrics"]["flagged_rate"] = json!(0.05);
        }
        if n == 7 {
            review["reviewerGroup"] = json!("risk-reviewers");
        }
        store_review(&app, n, review).await;
    }

    // Pages of 50 by deadline, then 50, then 20; no overlap, none missed.
    let mut seen = Vec::new();
    let mut query = String::new();
    let mut sizes = Vec::new();
    loop {
        let page = queue(&app, &query).await;
        assert_eq!(page["pending"], 120);
        sizes.push(ids(&page).len());
        seen.extend(ids(&page));
        match page["next_after"].as_str() {
            Some(after) => query = format!("after={after}"),
            None => break,
        }
    }
    assert_eq!(sizes, [50, 50, 20]);
    let expected: Vec<String> = (0..120).map(|n| format!("queue-test-{n:03}")).collect();
    assert_eq!(seen, expected, "nearest deadline first, each once");

    let newest = queue(&app, "sort=newest").await;
    assert_eq!(ids(&newest)[0], "queue-test-119");
    let by_priority = ids(&queue(&app, "sort=priority").await);
    assert_eq!(
        by_priority[..3],
        ["queue-test-000", "queue-test-040", "queue-test-080"]
    );
    let second = queue(&app, "sort=priority").await["next_after"]
        .as_str()
        .map(str::to_owned)
        .unwrap();
    let page_two = ids(&queue(&app, &format!("sort=priority&after={second}")).await);
    assert!(page_two.iter().all(|id| !by_priority.contains(id)));

    assert_eq!(ids(&queue(&app, "model=fraud-detector").await).len(), 12);
    assert_eq!(
        ids(&queue(&app, "q=FRAUD").await).len(),
        12,
        "search ignores case"
    );
    // Two characters are too short for the trigram index: matched by LIKE.
    assert_eq!(ids(&queue(&app, "q=v1").await).len(), 3, "v10, v100, v110");
    assert_eq!(ids(&queue(&app, "priority=urgent").await).len(), 3);
    assert_eq!(
        ids(&queue(&app, "group=risk-reviewers").await),
        ["queue-test-007"]
    );
    let failing = ids(&queue(&app, "failing=1&sort=oldest").await);
    assert_eq!(failing.len(), 50, "a full first page of the 80 failing");
    assert_eq!(failing[0], "queue-test-001");
    assert!(ids(&queue(&app, "status=approved").await).is_empty());

    let (status, error) = app.call("queue", &[("query", "sort=random")]).await;
    assert_eq!(status, 422);
    assert!(error.to_string().contains("random"), "{error}");
    let (status, _) = app
        .call(
            "queue",
            &[("query", "after=1.queue-test-001&sort=priority")],
        )
        .await;
    assert_eq!(status, 422, "a cursor of another sort is refused");
    app.stop().await;
}
