//! Statements that must stay on an index at 100,000 pending reviews, checked
//! against SQLite's own query plans on a migrated database: those the
//! workers run every second or so, whatever the pages do, and the lead
//! overview's. Each must search an index for what it reads, never walk the
//! table or sort it. (Without `ANALYZE`, SQLite plans the same for ten rows
//! as for a million, so an empty database shows the plan the server runs at
//! scale.)

use super::indexed_sql::{
    decided_since_query, decisions_since_query, oldest_pending_query, pending_at_least_query,
    CLAIM_DELIVERIES, CLAIM_NOTIFICATIONS, COUNT_PENDING, EXPIRE_OVERDUE, HEARTBEATS_DUE,
    PEOPLE_IN_GROUP, PERSON_BY_VERIFIED_EMAIL, REMINDERS_DUE, REVIEWS_TO_CHECK,
    REVIEW_CHANGES_AFTER, STUCK_DELIVERIES,
};
use super::SqliteStore;
use app::domain::overview_stats::OverviewFilter;

/// SQLite's plan for `sql`, one line per step.
async fn plan(store: &SqliteStore, sql: &str) -> Vec<String> {
    let explain = format!("explain query plan {sql}");
    let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
    for _ in 0..sql.matches('?').count() {
        query = query.bind(0_i64);
    }
    query
        .fetch_all(&store.pool())
        .await
        .expect("a plan")
        .into_iter()
        .map(|(_, _, _, step)| step)
        .collect()
}

/// A freshly migrated database in a directory of its own, removed after.
struct Scratch {
    dir: std::path::PathBuf,
    store: SqliteStore,
}

impl Scratch {
    async fn migrated() -> Self {
        let dir = std::env::temp_dir().join(format!("signoff-plans-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let url = format!("sqlite://{}", dir.join("plans.db").display());
        let store = SqliteStore::connect(&url)
            .await
            .expect("a migrated database");
        Self { dir, store }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn each_statement_searches_an_index() {
    let scratch = Scratch::migrated().await;
    let store = &scratch.store;
    let counts = pending_at_least_query(0, &[1, 2, 3], &OverviewFilter::default()).into_sql();
    let oldest = oldest_pending_query(0, 5, &OverviewFilter::default()).into_sql();
    let expected = [
        (
            REVIEWS_TO_CHECK,
            "USING INDEX review_check_order (status=? AND <expr><?)",
        ),
        (
            HEARTBEATS_DUE,
            "USING INDEX review_heartbeat_due (status=? AND <expr><?)",
        ),
        (
            REMINDERS_DUE,
            "USING INDEX review_step_due (status=? AND <expr><?)",
        ),
        (
            COUNT_PENDING,
            "USING COVERING INDEX review_by_deadline (status=? AND due_at>?)",
        ),
        (
            EXPIRE_OVERDUE,
            "INDEX review_by_deadline (status=? AND due_at<?)",
        ),
        (
            CLAIM_DELIVERIES,
            "USING INDEX delivery_due (state=? AND next_attempt_at<?)",
        ),
        (
            STUCK_DELIVERIES,
            "USING INDEX delivery_stuck_watch (state=? AND created_at<?)",
        ),
        (
            REVIEW_CHANGES_AFTER.as_str(),
            "USING INTEGER PRIMARY KEY (rowid>?)",
        ),
        // Any index that starts with the status and holds received_at.
        (counts.as_str(), "USING COVERING INDEX review_"),
        (
            oldest.as_str(),
            "INDEX review_by_received (status=? AND received_at<?)",
        ),
        (
            PERSON_BY_VERIFIED_EMAIL,
            "INDEX person_by_verified_email (verified_email_key=?)",
        ),
        (
            PEOPLE_IN_GROUP,
            "INDEX sqlite_autoindex_person_group_1 (group_name=?)",
        ),
    ];
    let mut wrong = Vec::new();
    for (sql, search) in expected {
        let steps = plan(store, sql).await;
        let walks = steps
            .iter()
            .any(|step| step.starts_with("SCAN") || step.contains("TEMP B-TREE"));
        let searches = steps
            .iter()
            .any(|step| step.starts_with("SEARCH") && step.contains(search));
        if walks || !searches {
            wrong.push(format!("{sql}\n  expected {search:?}, planned {steps:#?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// The notification claim's correlated searches (one per candidate row)
/// look up the rows to the candidate's route and destination, and the
/// candidates are walked in the order they are due.
#[tokio::test]
async fn the_notification_claim_looks_up_its_neighbours() {
    let scratch = Scratch::migrated().await;
    let store = &scratch.store;
    let steps = plan(store, CLAIM_NOTIFICATIONS).await;
    let neighbours = steps
        .iter()
        .filter(|step| {
            step.starts_with("SEARCH")
                && step.contains("notification_queued_to (route=? AND destination_json=?")
        })
        .count();
    let due_order = steps
        .iter()
        .any(|step| step.starts_with("SEARCH") && step.contains("INDEX notification_due (state=?"));
    let walks = steps
        .iter()
        .any(|step| step.starts_with("SCAN") || step.contains("TEMP B-TREE"));
    assert!(neighbours == 2 && due_order && !walks, "planned {steps:#?}");
}

/// Whether `steps` search `search` and never walk a table (a `SCAN` of
/// a recursive query's own rows is no table) nor sort.
fn searches_only(steps: &[String], search: &str, sorts: bool) -> bool {
    let walks = steps.iter().any(|step| {
        (step.starts_with("SCAN") && step != "SCAN v") || (!sorts && step.contains("TEMP B-TREE"))
    });
    let searches = steps
        .iter()
        .any(|step| step.starts_with("SEARCH") && step.contains(search));
    searches && !walks
}

/// The filters' pages: a model or group in any case stays on the model's
/// index; the audit log's views walk their own indexes; the pickers'
/// distinct values are one seek each.
#[tokio::test]
async fn the_filters_stay_on_their_indexes() {
    use super::{audit_query, queue_query};
    use app::domain::audit_filter::{AuditFilter, AuditView};
    use app::domain::queue_query::QueueQuery;
    let scratch = Scratch::migrated().await;
    let store = &scratch.store;
    let by_model = queue_query::page_query(
        &QueueQuery {
            model: Some("Fraud-Detector".into()),
            group: Some("ML-Reviewers".into()),
            search: Some("fraud detector v3".into()),
            ..QueueQuery::default()
        },
        0,
        50,
        false,
    )
    .into_sql();
    // A review page's "previous review": the deadline index, read backwards.
    let previous = queue_query::page_query(
        &QueueQuery {
            after: Some(app::domain::queue_query::QueueCursor {
                keys: vec![5_000],
                id: "r".into(),
            }),
            backwards: true,
            ..QueueQuery::default()
        },
        0,
        1,
        false,
    )
    .into_sql();
    // A review page's "next review", and a deep page of the queue: from the
    // cursor along the deadline index, not from the start of the queue.
    let next = queue_query::page_query(
        &QueueQuery {
            after: Some(app::domain::queue_query::QueueCursor {
                keys: vec![5_000],
                id: "r".into(),
            }),
            ..QueueQuery::default()
        },
        0,
        1,
        false,
    )
    .into_sql();
    let audit =
        |filter: AuditFilter| audit_query::page_query(&filter, Some(10), 50, false).into_sql();
    let decisions = audit(AuditFilter {
        view: AuditView::Decisions,
        ..AuditFilter::default()
    });
    let activity = audit(AuditFilter {
        view: AuditView::Activity,
        ..AuditFilter::default()
    });
    let approved = audit(AuditFilter {
        view: AuditView::All,
        action: Some("approved".into()),
        ..AuditFilter::default()
    });
    let model = audit(AuditFilter {
        view: AuditView::Activity,
        model: Some("Fraud-Detector".into()),
        ..AuditFilter::default()
    });
    let expected = [
        (
            previous.as_str(),
            "INDEX review_by_deadline (status=? AND due_at>?",
            false,
        ),
        (
            next.as_str(),
            "INDEX review_by_deadline (status=? AND (due_at,id)>(?,?))",
            false,
        ),
        (
            by_model.as_str(),
            "INDEX review_model_deadline (status=? AND model_name=? AND due_at>?)",
            false,
        ),
        (
            decisions.as_str(),
            "INDEX audit_entry_decision (id<?)",
            false,
        ),
        (
            activity.as_str(),
            "INDEX audit_entry_activity (id<?)",
            false,
        ),
        (
            approved.as_str(),
            "INDEX audit_entry_decision (id<?)",
            false,
        ),
        // A model's entries are few: they are sorted (as before this view).
        (model.as_str(), "INDEX review_model (model_name=?)", true),
        // Each entry's review, by its key.
        (
            decisions.as_str(),
            "sqlite_autoindex_review_1 (id=?)",
            false,
        ),
        (
            super::indexed_sql::KNOWN_MODELS.as_str(),
            "COVERING INDEX review_model (model_name>?)",
            false,
        ),
        (
            super::indexed_sql::KNOWN_GROUPS.as_str(),
            "COVERING INDEX review_group (reviewer_group>?)",
            false,
        ),
    ];
    let mut wrong = Vec::new();
    for (sql, search, sorts) in expected {
        let steps = plan(store, sql).await;
        if !searches_only(&steps, search, sorts) {
            wrong.push(format!("{sql}\n  expected {search:?}, planned {steps:#?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// `indexed by` makes SQLite refuse a statement it cannot plan on that
/// index: every view with every other filter must still plan.
#[tokio::test]
async fn every_audit_view_plans_with_every_filter() {
    use super::audit_query::page_query;
    use app::domain::audit_filter::{AuditFilter, AuditView};
    let scratch = Scratch::migrated().await;
    let text = |s: &str| Some(s.to_owned());
    let filters = [
        AuditFilter::default(),
        AuditFilter {
            actor: text("ada@example.com"),
            ..AuditFilter::default()
        },
        AuditFilter {
            actor: text("ad"),
            text: text("too high"),
            ..AuditFilter::default()
        },
        AuditFilter {
            action: text("rejected"),
            ..AuditFilter::default()
        },
        AuditFilter {
            action: text("approved"),
            model: text("churn-model"),
            ..AuditFilter::default()
        },
        AuditFilter {
            review_id: text("r1"),
            ..AuditFilter::default()
        },
        AuditFilter {
            from_ms: Some(1),
            to_ms: Some(2),
            ..AuditFilter::default()
        },
    ];
    for view in AuditView::ALL {
        for filter in &filters {
            let filter = AuditFilter {
                view: *view,
                ..filter.clone()
            };
            for known_actor in [false, true] {
                for before in [None, Some(10)] {
                    let sql = page_query(&filter, before, 50, known_actor).into_sql();
                    assert!(!plan(&scratch.store, &sql).await.is_empty(), "{sql}");
                }
            }
        }
    }
}

/// The lead overview, with and without its filters: what waits is read from
/// the pending part of an index, a period's decisions by their time, and
/// nothing walks every review or every decision.
#[tokio::test]
async fn the_overview_reads_a_period_not_the_whole_history() {
    let scratch = Scratch::migrated().await;
    let store = &scratch.store;
    let filters = [
        OverviewFilter::default(),
        OverviewFilter::new(Some("Churn-Model".into()), None),
        OverviewFilter::new(None, Some("ML-Reviewers".into())),
        OverviewFilter::new(Some("churn-model".into()), Some("ml-reviewers".into())),
    ];
    let mut wrong = Vec::new();
    for filter in &filters {
        let statements = [
            (
                pending_at_least_query(0, &[1, 2], filter).into_sql(),
                "(status=?",
            ),
            (oldest_pending_query(0, 5, filter).into_sql(), "(status=?"),
            (
                decisions_since_query(0, filter).into_sql(),
                "INDEX decision_by_time (created_at>?)",
            ),
            (
                decided_since_query(0, filter).into_sql(),
                "INDEX decision_by_time (created_at>?)",
            ),
        ];
        for (sql, search) in statements {
            let steps = plan(store, &sql).await;
            // The oldest waiting of a model may sort that model's pending
            // reviews; the reviews decided group the period's decisions.
            let sorts =
                (sql.contains("order by") && filter.model.is_some()) || sql.contains("group by");
            if !searches_only(&steps, search, sorts) {
                wrong.push(format!(
                    "{filter:?}: {sql}\n  expected {search:?}, planned {steps:#?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
