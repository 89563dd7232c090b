//! The SQL for one audit page on PostgreSQL: newest first along the id (or
//! the time, for a date range), filters as SQLite's
//! (`crate::db::sqlite::audit_query`), and search by ILIKE, which the
//! trigram indexes on the actor and the detail serve.

use super::indexed_sql::{ACTIVITY_ENTRIES, APPROVAL_ENTRIES, DECISION_ENTRIES};
use crate::db::text_keys::like_escape;
use app::domain::audit_filter::{AuditFilter, AuditView};
use sqlx::{Postgres, QueryBuilder};

/// What a listing reads: the entry, and its review's names when stored.
const COLUMNS: &str = "e.id, e.at, e.actor, e.actor_subject, e.actor_role, e.action, e.review_id, e.detail, e.prev_hash, e.hash, r.title, r.model_name, r.model_version, r.execution_arn";

/// The filter's action that also lists partial approvals.
const APPROVED: &str = "approved";

/// Whether `$1` is, in any case, someone who appears in the log: then the
/// actor filter is an equality, not a search.
pub const KNOWN_ACTOR: &str =
    "select exists (select 1 from audit_entry where lower(actor) = lower($1))";

/// The query for up to `limit` entries before `before_id`, newest first.
pub fn page_query(
    filter: &AuditFilter,
    before_id: Option<i64>,
    limit: u32,
    known_actor: bool,
) -> QueryBuilder<'static, Postgres> {
    let mut query = QueryBuilder::new(format!(
        "select {COLUMNS} from audit_entry e left join review r on r.id = e.review_id where true"
    ));
    let by_time = filter.from_ms.is_some() || filter.to_ms.is_some();
    let approvals = filter.action.as_deref() == Some(APPROVED);
    let view = if approvals {
        AuditView::Decisions
    } else {
        filter.view
    };
    if let Some(before) = before_id {
        if by_time {
            query
                .push(" and (e.at, e.id) < ((select at from audit_entry where id = ")
                .push_bind(before)
                .push("), ")
                .push_bind(before)
                .push(")");
        } else {
            query.push(" and e.id < ").push_bind(before);
        }
    }
    match &filter.actor {
        Some(actor) if known_actor => {
            query
                .push(" and lower(e.actor) = lower(")
                .push_bind(actor.clone())
                .push(")");
        }
        Some(actor) => {
            query
                .push(" and e.actor ilike ")
                .push_bind(format!("%{}%", like_escape(actor)));
        }
        None => {}
    }
    for word in filter.text.iter().flat_map(|text| text.split_whitespace()) {
        query
            .push(" and e.detail ilike ")
            .push_bind(format!("%{}%", like_escape(word)));
    }
    match view {
        AuditView::All => {}
        AuditView::Activity => {
            query.push(" and ").push(ACTIVITY_ENTRIES.as_str());
        }
        AuditView::Decisions => {
            query.push(" and ").push(DECISION_ENTRIES.as_str());
        }
    }
    match &filter.action {
        Some(_) if approvals => {
            query.push(" and ").push(APPROVAL_ENTRIES);
        }
        Some(action) => {
            query.push(" and e.action = ").push_bind(action.clone());
        }
        None => {}
    }
    if let Some(review_id) = &filter.review_id {
        query
            .push(" and e.review_id = ")
            .push_bind(review_id.clone());
    }
    if let Some(model) = &filter.model {
        query
            .push(" and e.review_id in (select id from review where lower(model_name) = lower(")
            .push_bind(model.clone())
            .push("))");
    }
    if let Some(from) = filter.from_ms {
        query.push(" and e.at >= ").push_bind(from);
    }
    if let Some(to) = filter.to_ms {
        query.push(" and e.at < ").push_bind(to);
    }
    query.push(if by_time {
        " order by e.at desc, e.id desc"
    } else {
        " order by e.id desc"
    });
    query.push(" limit ").push_bind(i64::from(limit));
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_in_full_is_an_equality_and_a_part_of_one_a_search() {
        let filter = AuditFilter {
            actor: Some("ada@example.com".into()),
            ..AuditFilter::default()
        };
        let known = page_query(&filter, None, 50, true).into_sql();
        assert!(known.contains("lower(e.actor) = lower($1)"), "{known}");
        let part = page_query(&filter, None, 50, false).into_sql();
        assert!(part.contains("e.actor ilike $1"), "{part}");
    }

    #[test]
    fn approved_lists_partial_approvals_along_the_decisions() {
        let approved = AuditFilter {
            action: Some("approved".into()),
            ..AuditFilter::default()
        };
        let sql = page_query(&approved, None, 50, false).into_sql();
        assert!(sql.contains(DECISION_ENTRIES.as_str()), "{sql}");
        assert!(sql.contains(APPROVAL_ENTRIES), "{sql}");
        assert!(!sql.contains("e.action = $"), "{sql}");
    }

    #[test]
    fn date_ranges_page_along_the_time() {
        let range = AuditFilter {
            from_ms: Some(1),
            ..AuditFilter::default()
        };
        let sql = page_query(&range, Some(10), 50, false).into_sql();
        assert!(sql.contains("(e.at, e.id) <"), "{sql}");
        assert!(sql.contains("order by e.at desc, e.id desc"), "{sql}");
    }
}
