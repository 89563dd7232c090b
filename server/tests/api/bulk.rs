//! Bulk decisions: the pre-flight says what each decision would meet and
//! changes nothing; the decision is made, audited and delivered per review,
//! with every policy applied to each.

use crate::helpers::{sample_review, spawn_app, ADA, VAL};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};

/// `ids[0]=…&ids[1]=…`, as the browser sends a list.
fn with_ids<'a>(ids: &'a [String], rest: &[(&'a str, &'a str)]) -> Vec<(String, String)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("ids[{i}]"), id.clone()))
        .chain(rest.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

async fn call(
    app: &crate::helpers::TestApp,
    endpoint: &str,
    form: &[(String, String)],
) -> (u16, Value) {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call(endpoint, &form).await
}

#[tokio::test]
async fn a_bulk_approval_decides_each_review_on_its_own() {
    let app = spawn_app().await;
    let mut arns = Vec::new();
    let mut ids = Vec::new();
    for requester in ["ci@example.com", "ci@example.com", "ada@example.com"] {
        let mut review = sample_review();
        review["requestedBy"] = json!(requester);
        let (arn, id) = app.new_review(&review, &json!({})).await;
        arns.push(arn);
        ids.push(id);
    }

    // The pre-flight: each review's model, thresholds and requester, and
    // the one Ada may not approve, named; nothing is decided by asking.
    let (status, rows) = call(
        &app,
        "preflight",
        &with_ids(&ids, &[("verdict", "approve")]),
    )
    .await;
    assert_eq!(status, 200, "{rows}");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["model"], "churn-model v42");
    assert_eq!(rows[0]["thresholds"], "1 of 2 thresholds fail.");
    assert_eq!(rows[0]["failing_thresholds"], 1);
    assert_eq!(rows[0]["requested_by"], "ci@example.com");
    assert!(rows[0]["blocked"].is_null());
    assert_eq!(
        rows[2]["blocked"],
        "You requested this review, so someone else has to approve it."
    );
    assert_eq!(app.review(&ids[0]).await["status"], "pending");

    // One confirmation; each review answered separately.
    let (status, outcomes) = call(
        &app,
        "decide_many",
        &with_ids(
            &ids,
            &[("verdict", "approve"), ("comment", "Batch of the week.")],
        ),
    )
    .await;
    assert_eq!(status, 200, "{outcomes}");
    let outcomes = outcomes.as_array().unwrap();
    assert_eq!(outcomes[0]["decided"], true);
    assert_eq!(
        outcomes[0]["message"],
        "Approved. Step Functions has the decision."
    );
    assert_eq!(outcomes[1]["decided"], true);
    assert_eq!(outcomes[2]["decided"], false);
    // Refused by a rule, not broken: nothing to retry.
    assert_eq!(outcomes[0]["failed"], false);
    assert_eq!(outcomes[2]["failed"], false);
    assert_eq!(
        outcomes[2]["message"],
        "You requested this review, so someone else has to approve it."
    );

    for arn in &arns[..2] {
        assert_eq!(
            *app.finished_execution(arn).await.status(),
            ExecutionStatus::Succeeded
        );
    }
    assert_eq!(app.review(&ids[2]).await["status"], "pending");

    // Audited per review, by Ada, with the one comment.
    for id in &ids[..2] {
        assert_eq!(
            app.probe.audit_entries_of(id, "approved").await,
            [(ADA.email(), Some("Batch of the week.".into()))]
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn bulk_decisions_refuse_what_a_single_one_would() {
    let app = spawn_app().await;
    let (_, id) = app.new_review(&sample_review(), &json!({})).await;
    let ids = vec![id.clone()];

    // A rejection needs its reason before anything is decided.
    let (status, body) = call(
        &app,
        "decide_many",
        &with_ids(&ids, &[("verdict", "reject"), ("comment", " ")]),
    )
    .await;
    assert_eq!(
        (status, body),
        (422, json!({"Invalid": "A rejection needs a reason."}))
    );

    // Nothing selected, or more than a page.
    let (status, _) = call(
        &app,
        "decide_many",
        &with_ids(&[], &[("verdict", "approve"), ("comment", "")]),
    )
    .await;
    assert_eq!(status, 422);
    let many: Vec<String> = (0..51).map(|i| format!("r{i}")).collect();
    let (status, body) = call(
        &app,
        "preflight",
        &with_ids(&many, &[("verdict", "approve")]),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            422,
            json!({"Invalid": "At most 50 reviews at once; 51 were sent."})
        )
    );

    // A viewer is told why, per review, and nothing changes.
    app.sign_in_as(VAL).await;
    let (status, outcomes) = call(
        &app,
        "decide_many",
        &with_ids(&ids, &[("verdict", "approve"), ("comment", "")]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(outcomes[0]["decided"], false);
    assert!(
        outcomes[0]["message"].as_str().unwrap().contains("viewer"),
        "{outcomes}"
    );
    assert_eq!(app.review(&id).await["status"], "pending");

    // Unknown reviews are named as such.
    app.sign_in_as(ADA).await;
    let (_, rows) = call(
        &app,
        "preflight",
        &with_ids(&["nope".to_owned()], &[("verdict", "approve")]),
    )
    .await;
    assert_eq!(rows[0]["blocked"], "There is no such review.");
    app.stop().await;
}
