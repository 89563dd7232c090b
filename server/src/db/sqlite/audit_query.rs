//! The SQL for one page of the audit log under a filter, chosen so that a
//! page stays fast with millions of entries:
//!
//! - a person typed in full (an actor's whole label, any case) walks the
//!   actor index;
//! - otherwise person and text filters of three characters or more go
//!   through the trigram index `audit_search`, newest match first (shorter
//!   ones fall back to `LIKE`, the only way to match one or two characters);
//! - date ranges walk the `at` index backwards from the end of the range;
//! - everything else walks the primary key (or the action index) backwards.
//!
//! Pages are cut with a keyset cursor: the id of the last entry shown.

use super::{fts_phrase, indexed, like_escape};
use app::domain::audit_filter::AuditFilter;
use sqlx::{QueryBuilder, Sqlite};

const COLUMNS: &str = "e.id, e.at, e.actor, e.actor_subject, e.actor_role, e.action, e.review_id, e.detail, e.prev_hash, e.hash";

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
                .push(
                    "audit_search s join audit_entry e on e.id = s.rowid where audit_search match ",
                )
                .push_bind(expression.clone());
            if let Some(before) = before_id {
                query.push(" and s.rowid < ").push_bind(before);
            }
            " order by s.rowid desc"
        }
        (None, true) => {
            query.push("audit_entry e where 1");
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
            query.push("audit_entry e where 1");
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
    for (column, text) in [("e.actor", &filter.actor), ("e.detail", &filter.text)] {
        if let Some(text) = text.as_deref().filter(|t| !indexed(t)) {
            query
                .push(format!(" and {column} like "))
                .push_bind(format!("%{}%", like_escape(text)))
                .push(" escape '\\'");
        }
    }
    if let Some(action) = &filter.action {
        query.push(" and e.action = ").push_bind(action.clone());
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
            .push(")");
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

/// The FTS5 query for the person and text filters that can use the index:
/// each term a quoted phrase (a substring, with trigrams) in its column.
fn match_expression(filter: &AuditFilter) -> Option<String> {
    let phrases: Vec<String> = [("actor", &filter.actor), ("detail", &filter.text)]
        .into_iter()
        .filter_map(|(column, text)| {
            let text = text.as_deref().filter(|t| indexed(t))?;
            Some(format!("{column} : {}", fts_phrase(text)))
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
            Some(r#"actor : "ada@" AND detail : "say ""no""""#)
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
