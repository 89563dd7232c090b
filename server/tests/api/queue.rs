//! The queue's filters, search, sort and keyset pages, on a real SQLite
//! file. Reviews are stored through the same store call intake uses (their
//! executions do not exist: only the queue is under test here).

use crate::helpers::{sample_review, spawn_app, TestApp, BOB, EVE, LEE, VAL};
use app::domain::intake::parse_review_request;
use app::domain::policy::EffectivePolicy;
use app::ssr::ports::{AuditRecord, NewReview};
use serde_json::{json, Value};

async fn store_review(app: &TestApp, n: usize, review: Value) {
    store_review_held_to(app, n, review, |policy| policy).await
}

/// As [`store_review`], the review held to the policy `held_to` makes of
/// the request's own.
async fn store_review_held_to(
    app: &TestApp,
    n: usize,
    review: Value,
    held_to: impl FnOnce(EffectivePolicy) -> EffectivePolicy,
) {
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
        policy: held_to(EffectivePolicy::from_request(&request.spec)),
        failing_thresholds: app::domain::metrics::failing_thresholds(&request.spec),
        request,
        received_at_ms: at_ms + n as i64,
    };
    let audit = AuditRecord::system(
        at_ms,
        app::domain::audit_action::Action::Received,
        None,
        None,
    );
    app.store().insert_review(&review, &audit).await.unwrap();
}

async fn queue(app: &TestApp, query: &str) -> Value {
    let (status, page) = app.call("queue", &[("query", query)]).await;
    assert_eq!(status, 200, "{query}: {page}");
    page
}

/// The ids `store_review` gave reviews `ns`.
fn names(ns: impl IntoIterator<Item = usize>) -> Vec<String> {
    ns.into_iter()
        .map(|n| format!("queue-test-{n:03}"))
        .collect()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every page of the queue under `query`: each page's size and the ids in
/// order. `pending`: the count of pending reviews each page reports, if
/// it is known.
async fn pages(app: &TestApp, query: &str, pending: Option<u64>) -> (Vec<usize>, Vec<String>) {
    let (mut sizes, mut seen) = (Vec::new(), Vec::new());
    let mut next = query.to_owned();
    loop {
        let page = queue(app, &next).await;
        if let Some(pending) = pending {
            assert_eq!(page["pending"], pending, "{next}");
        }
        sizes.push(ids(&page).len());
        seen.extend(ids(&page));
        assert!(
            sizes.len() <= 10,
            "{query}: the pages do not end: {sizes:?}"
        );
        match page["next_after"].as_str() {
            Some(after) if query.is_empty() => next = format!("after={after}"),
            Some(after) => next = format!("{query}&after={after}"),
            None => return (sizes, seen),
        }
    }
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

    let by_deadline = names(0..120);
    let urgent = names([0, 40, 80]);

    // Pages of 50 by deadline, then 50, then 20; no overlap, none missed.
    let (sizes, seen) = pages(&app, "", Some(120)).await;
    assert_eq!(sizes, [50, 50, 20]);
    assert_eq!(seen, by_deadline, "nearest deadline first, each once");

    let (sizes, newest) = pages(&app, "sort=newest", Some(120)).await;
    assert_eq!(sizes, [50, 50, 20]);
    assert_eq!(newest, names((0..120).rev()), "latest received first");
    // Urgent first, then by deadline; page two starts where page one ended.
    let (sizes, by_priority) = pages(&app, "sort=priority", Some(120)).await;
    assert_eq!(sizes, [50, 50, 20]);
    let expected = [urgent.clone(), names((0..120).filter(|n| n % 40 != 0))].concat();
    assert_eq!(by_priority, expected);
    assert_eq!(
        by_priority[50..100],
        names((49..100).filter(|n| n % 40 != 0)),
        "page two by priority"
    );

    let fraud = names((0..120).step_by(10));
    assert_eq!(ids(&queue(&app, "model=fraud-detector").await), fraud);
    assert_eq!(
        ids(&queue(&app, "q=FRAUD").await),
        fraud,
        "search ignores case"
    );
    // Two characters are too short for the trigram index: matched by LIKE.
    assert_eq!(
        ids(&queue(&app, "q=v1").await),
        names([10, 100, 110]),
        "v10, v100, v110"
    );
    assert_eq!(ids(&queue(&app, "priority=urgent").await), urgent);
    assert_eq!(
        ids(&queue(&app, "group=risk-reviewers").await),
        ["queue-test-007"]
    );
    let (sizes, failing) = pages(&app, "failing=1&sort=oldest", Some(120)).await;
    assert_eq!(sizes, [50, 30], "the 80 failing, a full page first");
    assert_eq!(failing, names((0..120).filter(|n| n % 3 != 0)));

    // Decided reviews leave the pending queue and are listed under their
    // status (their answers go to tasks that do not exist, and find them
    // closed: the review's status stays what was decided).
    for (n, verdict) in [(5, "approve"), (11, "approve"), (13, "reject")] {
        let (status, receipt) = app.decide(&names([n])[0], verdict, "decided").await;
        assert_eq!(status, 200, "{receipt}");
    }
    assert_eq!(ids(&queue(&app, "status=approved").await), names([5, 11]));
    assert_eq!(
        ids(&queue(&app, "status=rejected&sort=newest").await),
        ["queue-test-013"]
    );
    assert!(ids(&queue(&app, "status=expired").await).is_empty());
    // (The count a page shows may be a few seconds old: not checked here.)
    let (_, pending) = pages(&app, "status=pending", None).await;
    let undecided = names((0..120).filter(|n| ![5, 11, 13].contains(n)));
    assert_eq!(pending, undecided);

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

#[tokio::test]
async fn filters_match_in_any_case_and_search_word_by_word() {
    let app = spawn_app().await;
    let reviews = [
        ("Fraud detector v3", "fraud-detector", "risk-reviewers"),
        (
            "Promote fraud-detector v4",
            "fraud-detector",
            "ML-Reviewers",
        ),
        ("Churn model v42", "churn-model", "ml-reviewers"),
        ("Fraud rules refresh", "rules-engine", "risk-reviewers"),
    ];
    for (n, (title, model, group)) in reviews.into_iter().enumerate() {
        let mut review = sample_review();
        review["title"] = json!(title);
        review["model"]["name"] = json!(model);
        review["reviewerGroup"] = json!(group);
        review["timeoutSeconds"] = json!(3_600 + n);
        store_review(&app, n, review).await;
    }
    // Every word must match, each in any of title, model and requester.
    assert_eq!(
        ids(&queue(&app, "q=fraud+detector").await),
        names([0, 1]),
        "\"fraud detector\" finds \"Fraud detector v3\" and the fraud-detector model"
    );
    assert_eq!(ids(&queue(&app, "q=DETECTOR+fraud").await), names([0, 1]));
    assert_eq!(
        ids(&queue(&app, "q=fraud+v3").await),
        names([0]),
        "a short word (v3, by LIKE) narrows the long one (by the index)"
    );
    assert_eq!(ids(&queue(&app, "q=fraud+churn").await), names([]));
    assert_eq!(
        ids(&queue(&app, "q=ci%40example+fraud").await),
        names([0, 1, 3])
    );
    // Model and group: the whole value, in any case.
    assert_eq!(
        ids(&queue(&app, "model=FRAUD-Detector").await),
        names([0, 1])
    );
    assert_eq!(ids(&queue(&app, "group=ml-reviewers").await), names([1, 2]));
    assert!(
        ids(&queue(&app, "model=fraud").await).is_empty(),
        "not a part"
    );

    // The pickers offer each model and group once, whatever its case.
    let (status, known) = app.call("filter_values", &[]).await;
    assert_eq!(status, 200, "{known}");
    assert_eq!(
        known["models"],
        json!(["churn-model", "fraud-detector", "rules-engine"])
    );
    let groups: Vec<String> = known["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap().to_lowercase())
        .collect();
    assert_eq!(groups, ["ml-reviewers", "risk-reviewers"]);

    // The page itself shows the filters in force, in its HTML.
    let (status, page) = crate::server_functions::get_raw(
        &app,
        "/?q=fraud+detector&model=FRAUD-Detector&status=approved&failing=1&sort=newest",
    )
    .await;
    assert_eq!(status, 200);
    for shown in [
        r#"name="q" value="fraud detector""#,
        r#"name="model" value="FRAUD-Detector""#,
        r#"<option value="approved" selected"#,
        r#"<option value="newest" selected"#,
        r#"name="failing" value="1" checked"#,
        "Clear filters",
        r#"href="/?model=FRAUD-Detector&amp;status=approved&amp;failing=1&amp;sort=newest""#,
        r#"<datalist id="known-models"><option value="churn-model">"#,
    ] {
        assert!(page.contains(shown), "{shown} is not in the page:\n{page}");
    }
    assert!(
        !page.contains(r#"<option value="pending" selected"#),
        "{page}"
    );
    app.stop().await;
}

/// Ada (a reviewer in ml-reviewers) and 160 pending reviews: a third her
/// own requests, a third for fraud-reviewers, a third for her group; and
/// one needing two approvals that she has approved.
#[tokio::test]
async fn needs_my_review_and_requested_by_me_follow_the_decision_rules_and_rows_say_why() {
    let app = spawn_app().await;
    let kinds = 0..160;
    for n in kinds.clone() {
        let mut review = sample_review();
        review["reviewerGroup"] = json!("ml-reviewers");
        match n % 3 {
            0 => review["requestedBy"] = json!("Ada@Example.com"),
            1 => review["reviewerGroup"] = json!("fraud-reviewers"),
            _ => {}
        }
        store_review(&app, n, review).await;
    }
    let mut pair = sample_review();
    pair["requiredApprovals"] = json!(2);
    store_review(&app, 160, pair).await;
    let approved = &names([160])[0];
    let (status, answer) = app.decide(approved, "approve", "first of two").await;
    assert_eq!(status, 200, "{answer}");
    let of_kind = |kind: usize| names(kinds.clone().filter(move |n| n % 3 == kind));

    // Mine to decide: her group's, not her own, not the one she approved;
    // read on through the queue, fifty to a page.
    let (sizes, needs_me) = pages(&app, "view=needs-me", Some(161)).await;
    assert_eq!(needs_me, of_kind(2));
    assert_eq!(sizes, [50, 3]);
    let (sizes, mine) = pages(&app, "view=mine", Some(161)).await;
    assert_eq!(
        mine,
        of_kind(0),
        "her requests, whatever the case of the address"
    );
    assert_eq!(sizes, [50, 4]);
    // The views narrow the other filters' results, and say they are a filter.
    let page = queue(&app, "view=needs-me&q=nothing-matches-this").await;
    assert_eq!(ids(&page), names([]));
    assert_eq!(page["filtered"], true);

    // Everyone's reviews, each row saying why she cannot act on it.
    let page = queue(&app, "").await;
    let mark = |n: usize| {
        let id = &names([n])[0];
        let item = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{id} on the first page"));
        item["mark"]["label"].as_str().map(str::to_owned)
    };
    assert_eq!(mark(0).as_deref(), Some("Your request"));
    assert_eq!(mark(1).as_deref(), Some("For fraud-reviewers"));
    assert_eq!(mark(2), None);
    assert_eq!(page["role_note"], Value::Null);
    let full = &page["items"][0]["mark"]["why"];
    assert!(
        full.as_str()
            .unwrap()
            .contains("someone else has to approve"),
        "{full}"
    );
    let (_, everyone) = pages(&app, "", Some(161)).await;
    assert_eq!(everyone.len(), 161);

    // Someone in the other group needs the other third.
    app.sign_in_as(EVE).await;
    let (_, eves) = pages(&app, "view=needs-me", Some(161)).await;
    let mut theirs = of_kind(1);
    theirs.extend(names([160]));
    assert_eq!(eves, theirs, "and the pair, which any reviewer may decide");
    // A viewer decides nothing: told once, no row marked.
    app.sign_in_as(VAL).await;
    let page = queue(&app, "view=needs-me").await;
    assert_eq!(ids(&page), names([]));
    let page = queue(&app, "").await;
    assert!(
        page["role_note"].as_str().unwrap().contains("viewer"),
        "{page}"
    );
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|item| item["mark"].is_null()));
    app.stop().await;
}

#[tokio::test]
async fn needs_my_review_leaves_out_an_approval_kept_for_another_group() {
    let app = spawn_app().await;
    let leads_last = |policy| EffectivePolicy {
        required_approvals: 2,
        approval_from: vec!["ml-leads".to_owned()],
        ..policy
    };
    store_review_held_to(&app, 0, sample_review(), leads_last).await;
    store_review(&app, 1, sample_review()).await;
    let kept = &names([0])[0];
    // Ada (ml-reviewers) gives the first approval: any reviewer may.
    let (status, answer) = app.decide(kept, "approve", "first of two").await;
    assert_eq!(status, 200, "{answer}");

    // The second must come from ml-leads: not Bob's to give.
    app.sign_in_as(BOB).await;
    assert_eq!(ids(&queue(&app, "view=needs-me").await), names([1]));
    let page = queue(&app, "").await;
    let row = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == kept.as_str())
        .unwrap();
    assert_eq!(row["mark"]["label"], "Needs ml-leads", "{row}");
    let (status, refused) = app.decide(kept, "approve", "").await;
    assert_ne!(status, 200, "the decision refuses what the view left out");
    assert_eq!(
        refused.to_string().contains("member of ml-leads"),
        row["mark"]["why"]
            .as_str()
            .unwrap()
            .contains("member of ml-leads"),
        "{refused} / {row}"
    );

    // A lead in ml-leads is asked for it.
    app.sign_in_as(LEE).await;
    assert_eq!(ids(&queue(&app, "view=needs-me").await), names([0, 1]));
    app.stop().await;
}
