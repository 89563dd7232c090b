//! The audit log: every decision is chained and the chain verifies; leads
//! filter, page, export and prune it. (How the table itself refuses edits,
//! and what verify finds when that is bypassed, is SQLite's: `sqlite_only`.)

use crate::helpers::{sample_review, spawn_app, TestApp, BOB, LEE, VAL};
use app::domain::audit::AuditContent;
use serde_json::{json, Value};
use std::process::Command;

/// A review approved by whoever `app` acts as and delivered; its id.
pub(crate) async fn a_decided_review(app: &TestApp) -> String {
    let (arn, id) = app.new_review(&sample_review(), &json!({})).await;
    assert_eq!(app.decide(&id, "approve", "fine").await.0, 200);
    app.finished_execution(&arn).await;
    app.wait_for_delivery(&id, "delivered", 1).await;
    id
}

#[tokio::test]
async fn decisions_build_a_chain_that_verifies() {
    let app = spawn_app().await;
    a_decided_review(&app).await;
    a_decided_review(&app).await;
    let checked = app.probe.verify_chain().await;
    let entries = app.probe.audit_entries_stored().await;
    assert_eq!(checked, Ok(entries as usize));
    assert!(
        entries >= 6,
        "received, approved, delivered, twice, and views: {entries}"
    );
    let (subject, role) = app.probe.actor_of_first("approved").await;
    assert_eq!(
        (subject.as_deref(), role.as_deref()),
        (Some("user-ada"), Some("reviewer"))
    );
    app.stop().await;
}

#[tokio::test]
async fn views_are_audited_once_per_person_and_kept_off_the_timeline() {
    let app = spawn_app().await;
    let (_, id) = app.new_review(&sample_review(), &json!({})).await;
    app.review(&id).await;
    app.review(&id).await;
    app.sign_in_as(BOB).await;
    let shown = app.review(&id).await;
    let viewers: Vec<String> = app
        .probe
        .audit_entries_of(&id, "viewed")
        .await
        .into_iter()
        .map(|(actor, _)| actor)
        .collect();
    assert_eq!(viewers, ["ada@example.com", "bob@example.com"]);
    let timeline: Vec<&str> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["action"].as_str())
        .collect();
    assert_eq!(timeline, ["received"]);
    app.stop().await;
}

#[tokio::test]
async fn leads_filter_the_log_and_page_through_it() {
    let app = spawn_app().await;
    let approved = a_decided_review(&app).await;
    let mut fraud = sample_review();
    fraud["model"]["name"] = json!("fraud-detector");
    let (_, fraud_id) = app.new_review(&fraud, &json!({})).await;
    assert_eq!(
        app.decide(&fraud_id, "reject", "flag rate too high")
            .await
            .0,
        200
    );
    // Delivered (and viewed once by ada, who waits for it): nothing more
    // is written for these reviews while the filters are read.
    app.wait_for_delivery(&fraud_id, "delivered", 1).await;
    for i in 0..120 {
        // An action Signoff does not write, so no filter below matches it.
        let entry = AuditContent {
            action: "test entry".into(),
            ..AuditContent::system(
                1_000 + i,
                app::domain::audit_action::Action::Received,
                None,
                Some(format!("bulk {i}")),
            )
        };
        app.store().record(&entry).await.unwrap();
    }

    app.sign_in_as(LEE).await;
    let (status, page) = audit(&app, "action=approved").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        summaries(&page),
        [("ada@example.com", "approved", approved.as_str())]
    );
    assert_eq!(page["entries"][0]["actor_role"], "reviewer");

    let (_, by_model) = audit(&app, "view=all&model=fraud-detector").await;
    let mut actions: Vec<&str> = summaries(&by_model)
        .into_iter()
        .map(|(_, action, review)| {
            assert_eq!(review, fraud_id, "{by_model}");
            action
        })
        .collect();
    actions.sort_unstable();
    // The view and the delivery may come in either order.
    assert_eq!(actions, ["delivered", "received", "rejected", "viewed"]);
    let (_, by_text) = audit(&app, "text=too+high").await;
    assert_eq!(
        summaries(&by_text),
        [("ada@example.com", "rejected", fraud_id.as_str())]
    );

    // Ada's entries, newest first, however she is named: in part (the
    // trigram index), in part and shouted, in full in any case (the actor
    // index), and by two letters (too short for trigrams: LIKE).
    let adas = [
        ("ada@example.com", "viewed", fraud_id.as_str()),
        ("ada@example.com", "rejected", fraud_id.as_str()),
        ("ada@example.com", "viewed", approved.as_str()),
        ("ada@example.com", "approved", approved.as_str()),
    ];
    for actor in ["ada@", "ADA@", "Ada@Example.com", "da"] {
        let (_, by_actor) = audit(&app, &format!("view=all&actor={actor}")).await;
        assert_eq!(summaries(&by_actor), adas, "{actor}");
    }

    // Keyset pages: 50, 50, 20, newest first, no overlap, then the end;
    // along the action index, the text index and the time index alike.
    let bulk: Vec<String> = (0..120).rev().map(|i| format!("bulk {i}")).collect();
    for filter in [
        "action=test+entry",
        "text=bulk",
        "from=1970-01-01&to=1970-01-01",
    ] {
        let (sizes, seen) = pages_of(&app, filter).await;
        assert_eq!(sizes, [50, 50, 20], "{filter:?}");
        let details: Vec<&str> = seen.iter().filter_map(|e| e["detail"].as_str()).collect();
        assert_eq!(details, bulk, "{filter:?}");
        let ids: Vec<i64> = seen.iter().filter_map(|e| e["id"].as_i64()).collect();
        assert!(
            ids.len() == 120 && ids.windows(2).all(|w| w[0] > w[1]),
            "strictly newest first: {filter:?}"
        );
    }
    assert_eq!(app.probe.verify_chain().await.map(|_| ()), Ok(()));
    app.stop().await;
}

#[tokio::test]
async fn reviewers_and_viewers_cannot_read_the_audit_log() {
    let app = spawn_app().await;
    assert_eq!(audit(&app, "").await.0, 403, "a reviewer");
    app.sign_in_as(VAL).await;
    assert_eq!(audit(&app, "").await.0, 403, "a viewer");
    // The page says no, and offers nothing else: no filters, no exports.
    let (status, page) = crate::server_functions::get_raw(&app, "/audit?model=x").await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("This needs the lead role"), "{page}");
    for offered in [
        "name=\"actor\"",
        "export.csv",
        "Clear filters",
        "Decisions only",
    ] {
        assert!(
            !page.contains(offered),
            "a refused viewer is offered {offered}"
        );
    }
    app.sign_in_as(LEE).await;
    assert_eq!(audit(&app, "").await.0, 200, "a lead");
    let (_, page) = crate::server_functions::get_raw(&app, "/audit?model=x").await;
    for offered in [
        "name=\"actor\"",
        "export.csv",
        "Clear filters",
        "Decisions only",
    ] {
        assert!(page.contains(offered), "a lead is not offered {offered}");
    }
    app.stop().await;
}

#[tokio::test]
async fn exports_parse_back_to_the_same_entries_and_verify() {
    let app = spawn_app().await;
    a_decided_review(&app).await;
    app.sign_in_as(LEE).await;
    let cookie = app.cookie.lock().unwrap().clone();
    let jsonl = app
        .http
        .get(
            &format!("{}/audit/export.jsonl", app.base),
            cookie.as_deref(),
        )
        .await;
    assert_eq!(jsonl.status, 200, "{}", jsonl.body);
    let lines: Vec<&str> = jsonl.body.lines().collect();
    let stored = app.probe.audit_entries_stored().await;
    assert_eq!(
        lines.len() as i64,
        stored,
        "the whole log, one line an entry"
    );
    let first = app::domain::audit_export::parse_jsonl_line(lines[lines.len() - 1]).unwrap();
    assert_eq!((first.id, first.content.action.as_str()), (1, "received"));
    // Each line about a review names it, as the CSV does.
    let received: serde_json::Value = serde_json::from_str(lines[lines.len() - 1]).unwrap();
    assert_eq!(received["model"], "churn-model", "{received}");
    assert_eq!(received["model_version"], "42", "{received}");
    assert!(received["review_title"]
        .as_str()
        .is_some_and(|t| t.starts_with("Promote churn-model")));
    assert!(received["execution_arn"]
        .as_str()
        .is_some_and(|a| a.starts_with("arn:aws:states:")));

    let dir = crate::http::ScratchDir::new();
    let file = dir.path().join("audit.jsonl");
    std::fs::write(&file, &jsonl.body).unwrap();
    let verify = |file: &std::path::Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_signoff"))
            .args(["audit", "verify-export"])
            .arg(file)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, printed) = verify(&file);
    assert_eq!(code, Some(0), "{printed}");
    assert!(
        printed.contains(&format!(
            "{stored} entries match their hashes; one unbroken run"
        )),
        "{printed}"
    );
    let tampered = jsonl
        .body
        .replacen("\"action\":\"approved\"", "\"action\":\"rejected\"", 1);
    std::fs::write(&file, tampered).unwrap();
    let (code, printed) = verify(&file);
    assert_eq!(code, Some(1), "{printed}");
    assert!(printed.contains("was edited"), "{printed}");

    let csv = app
        .http
        .get(
            &format!("{}/audit/export.csv?action=approved", app.base),
            cookie.as_deref(),
        )
        .await;
    assert_eq!(csv.status, 200);
    let rows: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        rows[0],
        "id,at,actor,actor_subject,actor_role,action,review_id,review_title,model,execution_arn,detail,prev_hash,hash"
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    let row: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(rows[1].as_bytes())
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        row[2..6],
        ["ada@example.com", "user-ada", "reviewer", "approved"]
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(&row[1]).is_ok() && row[1].ends_with('Z'),
        "ISO 8601 in UTC: {}",
        row[1]
    );
    assert_eq!(row[7], "Promote churn-model v42 to production");
    assert_eq!(row[8], "churn-model v42");
    assert!(
        row[9].starts_with("arn:aws:states:") && row[9].contains(":execution:"),
        "{}",
        row[9]
    );

    app.sign_in_as(crate::helpers::ADA).await;
    let cookie = app.cookie.lock().unwrap().clone();
    let refused = app
        .http
        .get(&format!("{}/audit/export.csv", app.base), cookie.as_deref())
        .await;
    assert_eq!(refused.status, 403);
    app.stop().await;
}

#[tokio::test]
async fn pruning_exports_first_and_the_rest_still_verifies() {
    let app = spawn_app().await;
    let dir = crate::http::ScratchDir::new();
    let file = dir.path().join("pruned.jsonl");
    prune_thirty_old_entries(&app, &file).await;

    let exported = std::fs::read_to_string(&file).unwrap();
    let entries: Vec<_> = exported
        .lines()
        .map(|l| app::domain::audit_export::parse_jsonl_line(l).unwrap())
        .collect();
    let check = app::domain::audit_export::check_export(entries).unwrap();
    assert_eq!((check.entries, check.contiguous), (30, true));
    let (oldest, checkpoints) = (
        app.probe.oldest_audit_id().await,
        app.probe.audit_count("checkpoint").await,
    );
    assert_eq!((oldest, checkpoints), (Some(31), 1));
    assert!(
        app.probe.verify_chain().await.is_ok(),
        "the rest verifies from the checkpoint"
    );
    app.stop().await;
}

/// Thirty entries older than a day and a decided review's, then `signoff
/// audit prune --older-than-days 1` exporting to `file`: it succeeds and
/// says it pruned the thirty.
pub(crate) async fn prune_thirty_old_entries(app: &TestApp, file: &std::path::Path) {
    for i in 0..30 {
        let old = AuditContent::system(
            1_000 + i,
            app::domain::audit_action::Action::Received,
            None,
            Some(format!("old {i}")),
        );
        app.store().record(&old).await.unwrap();
    }
    a_decided_review(app).await;
    // Awaited, not blocking: the server runs on this test's thread, and a
    // write it has begun must be able to finish while the command waits
    // for SQLite's lock.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_signoff"))
        .args([
            "audit",
            "prune",
            "--older-than-days",
            "1",
            "--database-url",
            &app.database_url,
            "--export",
        ])
        .arg(file)
        .env("RUST_LOG", "error")
        .output()
        .await
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    let complained = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{printed}{complained}");
    assert!(
        printed.contains("pruned 30 audit entries (through #30)"),
        "{printed}"
    );
}

#[tokio::test]
async fn the_lead_overview_counts_decisions_and_what_is_overdue() {
    // A one-minute target, so a review waiting longer is overdue.
    let app = crate::helpers::spawn_app_with(|args| args.review_target_minutes = 1).await;
    let (_, first) = app.new_review(&sample_review(), &json!({})).await;
    let (_, second) = app.new_review(&sample_review(), &json!({})).await;
    let (_, third) = app.new_review(&sample_review(), &json!({})).await;
    let (_, waiting) = app.new_review(&sample_review(), &json!({})).await;
    assert_eq!(app.decide(&first, "approve", "").await.0, 200);
    assert_eq!(app.decide(&third, "approve", "").await.0, 200);
    app.sign_in_as(BOB).await;
    assert_eq!(app.decide(&second, "reject", "no").await.0, 200);
    // The decisions took 1, 10 and 3 minutes: the median is 3 (the mean
    // is 4 ⅔, the longest 10).
    for (id, took_ms) in [(&first, 60_000_i64), (&second, 600_000), (&third, 180_000)] {
        app.probe.decided_after(id, took_ms).await;
    }
    app.probe.backdate_review(&waiting, 5 * 60_000).await;

    assert_eq!(
        app.call("overview", &[]).await.0,
        403,
        "reviewers have no overview"
    );
    app.sign_in_as(LEE).await;
    let (status, overview) = app.call("overview", &[("days", "7")]).await;
    assert_eq!(status, 200, "{overview}");
    assert_eq!(overview["decided"], 3);
    assert_eq!(overview["median_time_to_decision_ms"], 180_000);
    assert_eq!(
        overview["decisions_by_reviewer"],
        json!([["ada@example.com", 2, 0], ["bob@example.com", 0, 1]])
    );
    assert_eq!(overview["overdue"][0][0], waiting.as_str());
    assert_eq!(overview["overdue_count"], 1);
    assert_eq!(overview["due_soon"], 0);
    assert_eq!(
        overview["pending_by_age"],
        json!([
            ["under 1 h", 1],
            ["1–4 h", 0],
            ["4–24 h", 0],
            ["over a day", 0]
        ])
    );
    app.stop().await;
}

/// The audit server function's answer to the page's query string `query`.
async fn audit(app: &TestApp, query: &str) -> (u16, Value) {
    app.call("audit", &[("query", query)]).await
}

/// Every page of the audit log under `filter`: the page sizes and the
/// entries, in the order the pages gave them.
async fn pages_of(app: &TestApp, filter: &str) -> (Vec<usize>, Vec<Value>) {
    let (mut sizes, mut seen) = (Vec::new(), Vec::new());
    let mut before: Option<String> = None;
    loop {
        let query = match &before {
            Some(b) => format!("{filter}&before_id={b}"),
            None => filter.to_owned(),
        };
        let (status, page) = audit(app, &query).await;
        assert_eq!(status, 200, "{page}");
        let entries = page["entries"].as_array().unwrap().clone();
        sizes.push(entries.len());
        seen.extend(entries);
        assert!(sizes.len() <= 10, "the pages do not end: {sizes:?}");
        match page["next_before_id"].as_i64() {
            Some(next) => before = Some(next.to_string()),
            None => return (sizes, seen),
        }
    }
}

/// Each entry of an audit page as `(actor, action, review id)`.
fn summaries(page: &Value) -> Vec<(&str, &str, &str)> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (text(e, "actor"), text(e, "action"), text(e, "review_id")))
        .collect()
}

fn text<'a>(entry: &'a Value, field: &str) -> &'a str {
    entry[field].as_str().unwrap_or_default()
}

#[tokio::test]
async fn partial_approvals_are_approvals_and_views_sort_the_log() {
    let app = spawn_app().await;
    let mut pair = sample_review();
    pair["requiredApprovals"] = json!(2);
    pair["title"] = json!("Promote Fraud detector v3");
    pair["model"]["name"] = json!("fraud-detector");
    let (_, pair_id) = app.new_review(&pair, &json!({})).await;
    assert_eq!(app.decide(&pair_id, "approve", "first look").await.0, 200);
    let (_, rejected_id) = app.new_review(&sample_review(), &json!({})).await;
    assert_eq!(app.decide(&rejected_id, "reject", "no").await.0, 200);
    app.wait_for_delivery(&rejected_id, "delivered", 1).await;

    app.sign_in_as(LEE).await;
    let (status, approved) = audit(&app, "action=approved").await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(
        summaries(&approved),
        [("ada@example.com", "approval 1 of 2", pair_id.as_str())],
        "a partial approval is an approval"
    );
    // Each entry names its review and model.
    assert_eq!(
        approved["entries"][0]["review_title"],
        "Promote Fraud detector v3"
    );
    assert_eq!(approved["entries"][0]["model"], "fraud-detector v42");

    let (_, decisions) = audit(&app, "view=decisions").await;
    assert_eq!(
        summaries(&decisions),
        [
            ("ada@example.com", "rejected", rejected_id.as_str()),
            ("ada@example.com", "approval 1 of 2", pair_id.as_str()),
        ]
    );
    // The default view: what happened, without views and sign-ins.
    let (_, activity) = audit(&app, "").await;
    let actions: Vec<&str> = summaries(&activity)
        .into_iter()
        .map(|(_, a, _)| a)
        .collect();
    assert!(
        !actions.iter().any(|a| ["viewed", "signed in"].contains(a)),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"delivered") && actions.contains(&"received"),
        "{actions:?}"
    );
    let (_, everything) = audit(&app, "view=all").await;
    let all: Vec<&str> = summaries(&everything)
        .into_iter()
        .map(|(_, a, _)| a)
        .collect();
    assert!(all.contains(&"viewed"), "{all:?}");
    // The model in any case.
    let (_, by_model) = audit(&app, "view=decisions&model=FRAUD-Detector").await;
    assert_eq!(summaries(&by_model).len(), 1, "{by_model}");
    app.stop().await;
}

#[tokio::test]
async fn an_impossible_date_is_refused_by_name_as_the_queue_refuses() {
    let app = spawn_app().await;
    app.sign_in_as(LEE).await;
    let (status, error) = audit(&app, "from=2026-02-31").await;
    assert_eq!(status, 422, "{error}");
    assert!(
        error
            .to_string()
            .contains("from \\\"2026-02-31\\\" is not a date"),
        "{error}"
    );
    let (status, _) = audit(&app, "from=2026-03-02&to=2026-03-01").await;
    assert_eq!(status, 422, "the wrong way round");
    // The page answers 422 and says why, with the filters to put it right.
    let (status, page) = crate::server_functions::get_raw(&app, "/audit?from=2026-02-31").await;
    assert_eq!(status, 422);
    assert!(page.contains("is not a date"), "{page}");
    assert!(page.contains("value=\"2026-02-31\""), "{page}");
    // So does the export, before it starts.
    let (status, body) =
        crate::server_functions::get_raw(&app, "/audit/export.csv?to=2026-13-01").await;
    assert_eq!(status, 422);
    assert!(body.contains("to \"2026-13-01\" is not a date"), "{body}");
    app.stop().await;
}
