//! The SQL for one page of the audit log under a filter, chosen so that a
//! page stays fast with millions of entries:
//!
//! - a person typed in full (an actor's whole label, any case) walks the
//!   actor index;
//! - otherwise person and text filters of three characters or more go
//!   through the trigram index `audit_search`, newest match first (shorter
//!   ones fall back to `LIKE`, the only way to match one or two characters);
//! - date ranges walk the `at` index backwards from the end of the range;
//! - the "Decisions only" view and the default view (no views, no
//!   sign-ins) walk their partial indexes backwards (migration 0019);
//! - everything else walks the primary key (or the action index) backwards.
//!
//! Each entry comes with its review's title, model and execution (a lookup
//! by the review's primary key per entry shown). Pages are cut with a
//! keyset cursor: the id of the last entry shown.

use super::indexed_sql::{ACTIVITY_ENTRIES, APPROVAL_ENTRIES, DECISION_ENTRIES};
use super::{fts_phrase, indexed};
use crate::db::text_keys::like_escape;
use app::domain::audit_filter::{AuditFilter, AuditView};
use sqlx::{QueryBuilder, Sqlite};

const COLUMNS: &str = "e.id, e.at, e.actor, e.actor_subject, e.actor_role, e.action, e.review_id, e.detail, e.prev_hash, e.hash, r.title, r.model_name, r.model_version, r.execution_arn";

/// Each entry's review, when it names one.
const WITH_REVIEW: &str = " left join review r on r.id = e.review_id";

/// The action that also lists partial approvals.
const APPROVED: &str = "approved";

/// Whether some entry's actor is exactly `person` (ignoring case): then the
/// person filter is an equality on the actor index.
pub const KNOWN_ACTOR: &str =
    "select exists (select 1 from audit_entry where actor = ? collate nocase)";

/// The query for up to `limit` entries older than `before_id`, newest first.
/// `known_actor`: the person filter names an actor in full ([`KNOWN_ACTOR`]).
pub fn page_query(
    filter: &AuditFilter,
    before_id: Option<i64>,
    limit: u32,
    known_actor: bool,
) -> QueryBuilder<'static, Sqlite> {
    let mut query = QueryBuilder::new(format!("select {COLUMNS} from "));
    let by_time = filter.from_ms.is_some() || filter.to_ms.is_some();
    let approvals = filter.action.as_deref() == Some(APPROVED);
    // Approvals are decisions: they are read along the decisions' index.
    let view = if approvals {
        AuditView::Decisions
    } else {
        filter.view
    };
    // A person named in full is matched exactly (below); from here on,
    // `filter` holds only what is searched.
    let exact_actor = filter.actor.clone().filter(|_| known_actor);
    let filter = &AuditFilter {
        actor: filter.actor.clone().filter(|_| !known_actor),
        ..filter.clone()
    };
    let search = match_expression(filter);
    let order = match (&search, by_time) {
        (Some(expression), _) => {
            query
                .push("audit_search s join audit_entry e on e.id = s.rowid")
                .push(WITH_REVIEW)
                .push(" where audit_search match ")
                .push_bind(expression.clone());
            if let Some(before) = before_id {
                query.push(" and s.rowid < ").push_bind(before);
            }
            " order by s.rowid desc"
        }
        (None, true) => {
            query
                .push("audit_entry e")
                .push(WITH_REVIEW)
                .push(" where 1");
            if let Some(before) = before_id {
                // Entries ordered by (time, id): the cursor entry's time
                // comes from the entry itself.
                query
                    .push(" and (e.at, e.id) < ((select at from audit_entry where id = ")
                    .push_bind(before)
                    .push("), ")
                    .push_bind(before)
                    .push(")");
            }
            " order by e.at desc, e.id desc"
        }
        (None, false) => {
            // A view's own index, unless a person named in full or a model
            // narrows the log more (their indexes, or the review's).
            let walk = match view {
                _ if exact_actor.is_some()
                    || filter.model.is_some()
                    || filter.review_id.is_some() =>
                {
                    ""
                }
                AuditView::Decisions => " indexed by audit_entry_decision",
                AuditView::Activity if filter.action.is_none() => {
                    " indexed by audit_entry_activity"
                }
                _ => "",
            };
            query
                .push("audit_entry e")
                .push(walk)
                .push(WITH_REVIEW)
                .push(" where 1");
            if let Some(before) = before_id {
                query.push(" and e.id < ").push_bind(before);
            }
            " order by e.id desc"
        }
    };
    if let Some(actor) = exact_actor {
        query
            .push(" and e.actor = ")
            .push_bind(actor)
            .push(" collate nocase");
    }
    for (column, terms) in search_terms(filter) {
        for text in terms.into_iter().filter(|t| !indexed(t)) {
            query
                .push(format!(" and {column} like "))
                .push_bind(format!("%{}%", like_escape(&text)))
                .push(" escape '\\'");
        }
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
            .push(" and e.review_id in (select id from review where model_name = ")
            .push_bind(model.clone())
            .push(" collate nocase)");
    }
    if let Some(from) = filter.from_ms {
        query.push(" and e.at >= ").push_bind(from);
    }
    if let Some(to) = filter.to_ms {
        query.push(" and e.at < ").push_bind(to);
    }
    query.push(order).push(" limit ").push_bind(limit);
    query
}

/// What the person and text filters look for, by column: the person as
/// typed, the text word by word (each word must appear, in any order).
fn search_terms(filter: &AuditFilter) -> [(&'static str, Vec<String>); 2] {
    let actor = filter.actor.iter().cloned().collect();
    let words = filter
        .text
        .iter()
        .flat_map(|text| text.split_whitespace().map(str::to_owned))
        .collect();
    [("e.actor", actor), ("e.detail", words)]
}

/// The FTS5 query for the terms that can use the index: each a quoted
/// phrase (a substring, with trigrams) in its column, all of them needed.
fn match_expression(filter: &AuditFilter) -> Option<String> {
    let phrases: Vec<String> = search_terms(filter)
        .into_iter()
        .flat_map(|(column, terms)| {
            let column = column.trim_start_matches("e.");
            terms
                .into_iter()
                .filter(|t| indexed(t))
                .map(move |t| format!("{column} : {}", fts_phrase(&t)))
        })
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(actor: Option<&str>, text: Option<&str>) -> AuditFilter {
        AuditFilter {
            actor: actor.map(str::to_owned),
            text: text.map(str::to_owned),
            ..AuditFilter::default()
        }
    }

    #[test]
    fn long_terms_become_quoted_phrases_in_their_columns() {
        assert_eq!(
            match_expression(&filter(Some("ada@"), Some("say \"no\""))).as_deref(),
            Some(r#"actor : "ada@" AND detail : "say" AND detail : """no""""#)
        );
    }

    #[test]
    fn short_terms_are_left_to_like() {
        assert_eq!(match_expression(&filter(Some("al"), None)), None);
        let sql = page_query(&filter(Some("al"), None), None, 50, false).into_sql();
        assert!(sql.contains("e.actor like"), "{sql}");
        assert!(!sql.contains("match"), "{sql}");
    }

    #[test]
    fn a_person_in_full_is_an_equality_not_a_search() {
        let sql = page_query(&filter(Some("ada@example.com"), None), None, 50, true).into_sql();
        assert!(sql.contains("e.actor = ? collate nocase"), "{sql}");
        assert!(!sql.contains("match"), "{sql}");
    }

    #[test]
    fn text_is_searched_word_by_word() {
        assert_eq!(
            match_expression(&filter(None, Some("too   HIGH"))).as_deref(),
            Some(r#"detail : "too" AND detail : "HIGH""#)
        );
        let sql = page_query(&filter(None, Some("flag is high")), None, 50, false).into_sql();
        assert!(sql.contains("e.detail like ?"), "{sql}");
        assert!(sql.contains("audit_search match ?"), "{sql}");
    }

    #[test]
    fn approved_lists_partial_approvals_along_the_decisions() {
        let approved = AuditFilter {
            action: Some("approved".into()),
            ..AuditFilter::default()
        };
        let sql = page_query(&approved, None, 50, false).into_sql();
        assert!(sql.contains("indexed by audit_entry_decision"), "{sql}");
        assert!(sql.contains(APPROVAL_ENTRIES), "{sql}");
        assert!(!sql.contains("e.action = ?"), "{sql}");
        let rejected = AuditFilter {
            action: Some("rejected".into()),
            ..AuditFilter::default()
        };
        let sql = page_query(&rejected, None, 50, false).into_sql();
        assert!(sql.contains("e.action = ?"), "{sql}");
    }

    #[test]
    fn date_ranges_walk_the_time_index() {
        let range = AuditFilter {
            from_ms: Some(1),
            ..AuditFilter::default()
        };
        let sql = page_query(&range, Some(10), 50, false).into_sql();
        assert!(sql.contains("order by e.at desc, e.id desc"), "{sql}");
        assert!(sql.contains("(e.at, e.id) <"), "{sql}");
        let plain = page_query(&AuditFilter::default(), Some(10), 50, false).into_sql();
        assert!(plain.contains("e.id < ? order by e.id desc"), "{plain}");
    }
}
