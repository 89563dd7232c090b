//! The SQL for one queue page: filters on columns set at intake, one index
//! per order (migration 0007), and a keyset cursor (the last row's sort keys
//! and id), so the thousandth page costs what the first does.

use super::{fts_phrase, indexed};
use crate::db::text_keys::like_escape;
use app::domain::queue_query::{QueueQuery, QueueSort};
use app::domain::review::ReviewStatus;
use sqlx::{QueryBuilder, Sqlite};

/// Below this many matches, a search goes through the trigram index and
/// sorts what it finds; above it, walking the order's index finds a page
/// of matches sooner.
pub const FEW_MATCHES: u32 = 1_000;

/// Counts the search's matches, up to [`FEW_MATCHES`]; `None` when no word
/// of it is long enough for the index.
pub fn count_matches(search: &str) -> Option<QueryBuilder<'static, Sqlite>> {
    let expression = match_expression(search)?;
    let mut sql = QueryBuilder::new(
        "select count(*) from (select rowid from review_search where review_search match ",
    );
    sql.push_bind(expression)
        .push(" limit ")
        .push_bind(FEW_MATCHES)
        .push(")");
    Some(sql)
}

/// The FTS5 query for a search's words long enough for trigrams: each a
/// phrase, all of them needed, each in any column (title, model, requester).
/// ` and …` for a model and a reviewer group of the review `r`, each in
/// any case (their indexes compare without it: migration 0019): shared by
/// the queue and the overview.
pub(super) fn push_model_and_group(
    sql: &mut QueryBuilder<'static, Sqlite>,
    model: Option<&str>,
    group: Option<&str>,
) {
    if let Some(model) = model {
        sql.push(" and r.model_name = ")
            .push_bind(model.to_owned())
            .push(" collate nocase");
    }
    if let Some(group) = group {
        sql.push(" and r.reviewer_group = ")
            .push_bind(group.to_owned())
            .push(" collate nocase");
    }
}

fn match_expression(search: &str) -> Option<String> {
    let phrases: Vec<String> = search
        .split_whitespace()
        .filter(|word| indexed(word))
        .map(fts_phrase)
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" AND "))
}

/// What a queue row reads: the review and its approvals.
const ROW_COLUMNS: &str =
    "select r.id, r.status, r.received_at, r.deadline_at, r.due_at, r.priority, r.review_json, r.policy_json,
        (select json_group_array(json_object('subject', d.reviewer_subject,
                'groups', json(d.reviewer_groups_json))) from decision d
            where d.review_id = r.id and d.verdict = 'approve') as approvals
     from review r where r.status = ";

/// What a page of titles reads: no JSON, no approvals.
const TITLE_COLUMNS: &str = "select r.id, r.title from review r where r.status = ";

/// The query for up to `limit` reviews after `query.after`, in its order.
/// `few_matches`: the search matches fewer than [`FEW_MATCHES`] reviews.
pub fn page_query(
    query: &QueueQuery,
    now_ms: i64,
    limit: u32,
    few_matches: bool,
) -> QueryBuilder<'static, Sqlite> {
    page_query_of(ROW_COLUMNS, query, now_ms, limit, few_matches)
}

/// As [`page_query`], reading each review's id and title only.
pub fn titles_query(
    query: &QueueQuery,
    now_ms: i64,
    limit: u32,
    few_matches: bool,
) -> QueryBuilder<'static, Sqlite> {
    page_query_of(TITLE_COLUMNS, query, now_ms, limit, few_matches)
}

fn page_query_of(
    columns: &'static str,
    query: &QueueQuery,
    now_ms: i64,
    limit: u32,
    few_matches: bool,
) -> QueryBuilder<'static, Sqlite> {
    let mut sql = QueryBuilder::new(columns);
    sql.push_bind(query.status.as_str());
    if query.status == ReviewStatus::Pending {
        // Past its deadline is expired, even before the clock worker says so.
        // Only the deadline order may use this as an index range: for the
        // others the unary `+` keeps SQLite on the order's own index
        // (measured: 1.3 s a page at 100,000 pending when it sorted instead).
        // Read forwards from a cursor, the cursor is the range: SQLite takes
        // one lower bound, and given this one it walked every review from
        // now to the cursor (40 ms for a review page's "next" at 100,000).
        let cursor_is_the_range = query.after.is_some() && !query.backwards;
        sql.push(
            if query.sort == QueueSort::Deadline && !cursor_is_the_range {
                " and r.due_at > "
            } else {
                " and +r.due_at > "
            },
        )
        .push_bind(now_ms);
    }
    push_model_and_group(&mut sql, query.model.as_deref(), query.group.as_deref());
    if let Some(priority) = query.priority {
        sql.push(" and r.priority = ").push_bind(priority.rank());
    }
    if query.failing_only {
        sql.push(" and r.failing_thresholds > 0");
    }
    // Each word of the search must appear, in any of the three columns:
    // the long words through the index when they match few reviews, the
    // rest (and all of them otherwise) by LIKE, which ignores ASCII case.
    let words: Vec<&str> = query
        .search
        .as_deref()
        .map(|s| s.split_whitespace().collect())
        .unwrap_or_default();
    let indexed_words = few_matches
        .then(|| query.search.as_deref().and_then(match_expression))
        .flatten();
    let by_index = indexed_words.is_some();
    if let Some(expression) = indexed_words {
        sql.push(" and r.rowid in (select rowid from review_search where review_search match ")
            .push_bind(expression)
            .push(")");
    }
    for word in words.into_iter().filter(|w| !(by_index && indexed(w))) {
        let pattern = format!("%{}%", like_escape(word));
        sql.push(" and (r.title like ")
            .push_bind(pattern.clone())
            .push(" escape '\\' or r.model_name like ")
            .push_bind(pattern.clone())
            .push(" escape '\\' or r.requested_by like ")
            .push_bind(pattern)
            .push(" escape '\\')");
    }
    // Read backwards, every comparison and every order is turned round.
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
    sql.push(" limit ").push_bind(limit);
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::queue_query::QueueCursor;

    fn sql(query: &QueueQuery) -> String {
        page_query(query, 0, 50, false).into_sql()
    }

    #[test]
    fn the_default_page_is_pending_by_deadline() {
        let sql = sql(&QueueQuery::default());
        assert!(sql.contains("r.status = ? and r.due_at > ?"), "{sql}");
        let newest = super::page_query(
            &QueueQuery {
                sort: QueueSort::Newest,
                ..QueueQuery::default()
            },
            0,
            50,
            false,
        )
        .into_sql();
        assert!(newest.contains("+r.due_at > ?"), "{newest}");
        assert!(sql.ends_with("order by r.due_at, r.id limit ?"), "{sql}");
    }

    #[test]
    fn each_sort_continues_after_its_cursor() {
        let cursor = |keys: Vec<i64>| {
            Some(QueueCursor {
                keys,
                id: "x".into(),
            })
        };
        let cases = [
            (QueueSort::Deadline, vec![5], "(r.due_at, r.id) > (?, ?)"),
            (QueueSort::Oldest, vec![5], "(r.received_at, r.id) > (?, ?)"),
            (QueueSort::Newest, vec![5], "(r.received_at, r.id) < (?, ?)"),
            (
                QueueSort::Priority,
                vec![2, 5],
                "(r.priority < ? or (r.priority = ? and (r.due_at, r.id) > (?, ?)))",
            ),
        ];
        for (sort, keys, expected) in cases {
            let query = QueueQuery {
                sort,
                after: cursor(keys),
                ..QueueQuery::default()
            };
            let sql = sql(&query);
            assert!(sql.contains(expected), "{sql}");
        }
    }

    #[test]
    fn a_rare_search_goes_through_the_index_and_a_common_one_along_the_order() {
        let query = QueueQuery {
            search: Some("fraud".into()),
            ..QueueQuery::default()
        };
        let rare = page_query(&query, 0, 50, true).into_sql();
        assert!(rare.contains("review_search match ?"), "{rare}");
        let common = page_query(&query, 0, 50, false).into_sql();
        assert!(common.contains("r.title like ?"), "{common}");
        assert!(count_matches("ab").is_none(), "too short for trigrams");
    }

    #[test]
    fn every_word_of_a_search_must_match_somewhere() {
        assert_eq!(
            match_expression("fraud  Detector v3").as_deref(),
            Some(r#""fraud" AND "Detector""#),
            "v3 is too short for trigrams"
        );
        let query = QueueQuery {
            search: Some("fraud detector v3".into()),
            ..QueueQuery::default()
        };
        let rare = page_query(&query, 0, 50, true).into_sql();
        assert!(rare.contains("review_search match ?"), "{rare}");
        assert_eq!(rare.matches("r.title like ?").count(), 1, "{rare}");
        let common = page_query(&query, 0, 50, false).into_sql();
        assert_eq!(common.matches("r.title like ?").count(), 3, "{common}");
    }

    #[test]
    fn model_and_group_ignore_case() {
        let sql = sql(&QueueQuery {
            model: Some("Fraud-Detector".into()),
            group: Some("ML-Reviewers".into()),
            ..QueueQuery::default()
        });
        assert!(sql.contains("r.model_name = ? collate nocase"), "{sql}");
        assert!(sql.contains("r.reviewer_group = ? collate nocase"), "{sql}");
    }

    #[test]
    fn other_statuses_include_past_deadlines() {
        let sql = sql(&QueueQuery {
            status: ReviewStatus::Expired,
            failing_only: true,
            ..QueueQuery::default()
        });
        assert!(!sql.contains("due_at >"), "{sql}");
        assert!(sql.contains("r.failing_thresholds > 0"), "{sql}");
    }
}
