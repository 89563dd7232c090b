//! The SQL for one queue page on PostgreSQL: the filters, orders and keyset
//! cursor of SQLite's (`crate::db::sqlite::queue_query`), with `lower(...)`
//! for filters in any case and ILIKE along a trigram index for search
//! (PostgreSQL's planner weighs a rare word against the order's index
//! itself, so no count of matches comes first).

use crate::db::text_keys::like_escape;
use app::domain::queue_query::{QueueQuery, QueueSort};
use app::domain::review::ReviewStatus;
use sqlx::{Postgres, QueryBuilder};

/// The text a search looks through, the expression of index
/// `review_search` (migration 0001) written out the same.
const SEARCHED: &str = "(r.title || ' ' || r.model_name || ' ' || r.requested_by)";

/// ` and …` for a model and a reviewer group of the review `r`, each in
/// any case: shared by the queue and the overview.
pub(super) fn push_model_and_group(
    sql: &mut QueryBuilder<'static, Postgres>,
    model: Option<&str>,
    group: Option<&str>,
) {
    if let Some(model) = model {
        sql.push(" and lower(r.model_name) = lower(")
            .push_bind(model.to_owned())
            .push(")");
    }
    if let Some(group) = group {
        sql.push(" and lower(r.reviewer_group) = lower(")
            .push_bind(group.to_owned())
            .push(")");
    }
}

/// What a queue row reads: the review and its approvals.
const ROW_COLUMNS: &str =
    "select r.id, r.status, r.received_at, r.deadline_at, r.due_at, r.priority, r.review_json, r.policy_json,
        coalesce((select json_agg(json_build_object('subject', d.reviewer_subject,
                'groups', d.reviewer_groups_json::json) order by d.id) from decision d
            where d.review_id = r.id and d.verdict = 'approve'), '[]')::text as approvals
     from review r where r.status = ";

/// What a page of titles reads: no JSON, no approvals.
const TITLE_COLUMNS: &str = "select r.id, r.title from review r where r.status = ";

/// The query for up to `limit` reviews after `query.after`, in its order.
pub fn page_query(query: &QueueQuery, now_ms: i64, limit: u32) -> QueryBuilder<'static, Postgres> {
    page_query_of(ROW_COLUMNS, query, now_ms, limit)
}

/// As [`page_query`], reading each review's id and title only.
pub fn titles_query(
    query: &QueueQuery,
    now_ms: i64,
    limit: u32,
) -> QueryBuilder<'static, Postgres> {
    page_query_of(TITLE_COLUMNS, query, now_ms, limit)
}

fn page_query_of(
    columns: &'static str,
    query: &QueueQuery,
    now_ms: i64,
    limit: u32,
) -> QueryBuilder<'static, Postgres> {
    let mut sql = QueryBuilder::new(columns);
    sql.push_bind(query.status.as_str());
    if query.status == ReviewStatus::Pending {
        // Past its deadline is expired, even before the clock worker says so.
        sql.push(" and r.due_at > ").push_bind(now_ms);
    }
    push_model_and_group(&mut sql, query.model.as_deref(), query.group.as_deref());
    if let Some(priority) = query.priority {
        sql.push(" and r.priority = ").push_bind(priority.rank());
    }
    if query.failing_only {
        sql.push(" and r.failing_thresholds > 0");
    }
    // Each word of the search must appear, in any case, in the title, the
    // model or the requester.
    for word in query.search.iter().flat_map(|s| s.split_whitespace()) {
        sql.push(format!(" and {SEARCHED} ilike "))
            .push_bind(format!("%{}%", like_escape(word)));
    }
    let back = query.backwards;
    let (ahead, behind) = if back { ("<", ">") } else { (">", "<") };
    if let Some(after) = &query.after {
        let key = |n: usize| after.keys.get(n).copied().unwrap_or_default();
        let id = after.id.clone();
        match query.sort {
            QueueSort::Deadline => {
                sql.push(format!(" and (r.due_at, r.id) {ahead} ("))
                    .push_bind(key(0));
            }
            QueueSort::Oldest => {
                sql.push(format!(" and (r.received_at, r.id) {ahead} ("))
                    .push_bind(key(0));
            }
            QueueSort::Newest => {
                sql.push(format!(" and (r.received_at, r.id) {behind} ("))
                    .push_bind(key(0));
            }
            QueueSort::Priority => {
                sql.push(format!(" and (r.priority {behind} "))
                    .push_bind(key(0))
                    .push(" or (r.priority = ")
                    .push_bind(key(0))
                    .push(format!(" and (r.due_at, r.id) {ahead} ("))
                    .push_bind(key(1));
            }
        }
        sql.push(", ").push_bind(id).push(")");
        if query.sort == QueueSort::Priority {
            sql.push("))");
        }
    }
    sql.push(match (query.sort, back) {
        (QueueSort::Deadline, false) => " order by r.due_at, r.id",
        (QueueSort::Deadline, true) => " order by r.due_at desc, r.id desc",
        (QueueSort::Priority, false) => " order by r.priority desc, r.due_at, r.id",
        (QueueSort::Priority, true) => " order by r.priority, r.due_at desc, r.id desc",
        (QueueSort::Newest, false) | (QueueSort::Oldest, true) => {
            " order by r.received_at desc, r.id desc"
        }
        (QueueSort::Oldest, false) | (QueueSort::Newest, true) => " order by r.received_at, r.id",
    });
    sql.push(" limit ").push_bind(i64::from(limit));
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_needs_every_word_in_the_indexed_text() {
        let sql = page_query(
            &QueueQuery {
                search: Some("fraud  v3".into()),
                ..QueueQuery::default()
            },
            0,
            50,
        )
        .into_sql();
        assert_eq!(
            sql.matches(&format!("{SEARCHED} ilike $")).count(),
            2,
            "{sql}"
        );
        let migration = include_str!("../../../migrations/postgres/0001_init.sql");
        assert!(
            migration.contains(&SEARCHED.replace("r.", "")),
            "the search is not index review_search's expression"
        );
    }

    #[test]
    fn model_and_group_ignore_case() {
        let sql = page_query(
            &QueueQuery {
                model: Some("Fraud-Detector".into()),
                group: Some("ML-Reviewers".into()),
                ..QueueQuery::default()
            },
            0,
            50,
        )
        .into_sql();
        assert!(sql.contains("lower(r.model_name) = lower($3)"), "{sql}");
        assert!(sql.contains("lower(r.reviewer_group) = lower($4)"), "{sql}");
    }
}
