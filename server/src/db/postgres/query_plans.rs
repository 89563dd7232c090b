//! The statements every replica runs every second or so, whatever the
//! pages do, checked against PostgreSQL's own plans on a migrated database:
//! each must be able to read through an index. An empty table would be
//! read whole (it is cheaper), so sequential scans are priced out for the
//! check: a statement no index can serve still plans one.

use super::indexed_sql::{
    CLAIM_DELIVERIES, COUNT_PENDING, EXPIRE_OVERDUE, HEARTBEATS_DUE, PEOPLE_IN_GROUP,
    PERSON_BY_VERIFIED_EMAIL, REMINDERS_DUE, REVIEWS_TO_CHECK, REVIEW_CHANGES_AFTER,
    STUCK_DELIVERIES,
};
use super::PostgresStore;
use crate::db::test_databases::postgres_url;

/// A placeholder's value, of the type the statement compares it with.
#[derive(Clone, Copy)]
enum Arg {
    Int,
    Text,
}

/// PostgreSQL's plan for `sql` with `args` bound, one line per node.
async fn plan(store: &PostgresStore, sql: &str, args: &[Arg]) -> String {
    let mut connection = store.pool().acquire().await.expect("a connection");
    sqlx::query("set enable_seqscan = off")
        .execute(&mut *connection)
        .await
        .expect("set");
    let explain = format!("explain {sql}");
    let mut query = sqlx::query_as::<_, (String,)>(&explain);
    for arg in args {
        query = match arg {
            Arg::Int => query.bind(0_i64),
            Arg::Text => query.bind("x"),
        };
    }
    let lines = query.fetch_all(&mut *connection).await.expect("a plan");
    lines
        .into_iter()
        .map(|(line,)| line)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn each_sweep_reads_through_an_index() {
    use Arg::{Int, Text};
    let store = PostgresStore::connect(&postgres_url().await)
        .await
        .expect("a migrated database");
    let expected: [(&str, &[Arg], &str); 10] = [
        (REVIEWS_TO_CHECK, &[Int, Int], "review_check_order"),
        (HEARTBEATS_DUE, &[Int, Int], "review_heartbeat_due"),
        (REMINDERS_DUE, &[Int, Int], "review_step_due"),
        // Any of the indexes that start with the status: on empty tables
        // the planner cannot tell them apart (at scale, `review_by_deadline`).
        (COUNT_PENDING, &[Int], "using review_"),
        (EXPIRE_OVERDUE, &[Text, Text, Int, Int], "using review_"),
        (CLAIM_DELIVERIES, &[Int, Int, Int, Int, Int], "delivery_due"),
        (STUCK_DELIVERIES, &[Int, Int], "delivery_stuck_watch"),
        (
            REVIEW_CHANGES_AFTER.as_str(),
            &[Int, Int],
            "audit_entry_pkey",
        ),
        (
            PERSON_BY_VERIFIED_EMAIL,
            &[Text],
            "person_by_verified_email",
        ),
        (PEOPLE_IN_GROUP, &[Text], "person_group_pkey"),
    ];
    let mut wrong = Vec::new();
    for (sql, args, index) in expected {
        let plan = plan(&store, sql, args).await;
        if plan.contains("Seq Scan") || !plan.contains(index) {
            wrong.push(format!("{sql}\n  expected {index}, planned:\n{plan}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
