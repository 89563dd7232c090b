//! The statements that must stay on an index at 100,000 pending reviews,
//! kept apart so that module `query_plans` can ask SQLite for each one's
//! plan: those that run on their own every second or so, whatever the
//! pages do (one that walks the whole queue takes a core away from every
//! page for a tenth of a second), and the lead overview's, which once
//! loaded every pending review.

use crate::db::text_keys::actions_where;
use app::domain::audit_action::Action;
use app::domain::overview_stats::OverviewFilter;
use sqlx::{QueryBuilder, Sqlite};
use std::sync::LazyLock;

/// The pending reviews checked longest ago (index `review_check_order`).
pub(super) const REVIEWS_TO_CHECK: &str = "select id, execution_arn from review
     where status = 'pending' and coalesce(checked_at, 0) < ?
     order by coalesce(checked_at, 0), received_at limit ?";

/// Takes a sweep's turn (bound: its name, now, and the time since which
/// nobody may have taken it): one row per sweep, which a turn taken
/// meanwhile leaves unchanged, so the statement then changes no row.
pub(super) const TAKE_TURN: &str = "insert into clock_turn (name, taken_at) values (?, ?)
     on conflict (name) do update set taken_at = excluded.taken_at
     where clock_turn.taken_at <= ?";

/// The reconciler's turn ([`TAKE_TURN`]).
pub(super) const RECONCILE_TURN: &str = "reconcile";

/// Held reviews whose heartbeat is due, most overdue first (index
/// `review_heartbeat_due`: the expression must stay the index's own).
pub(super) const HEARTBEATS_DUE: &str = "select id, task_token from review
     where status = 'pending' and heartbeat_seconds is not null
       and coalesce(last_heartbeat_at, 0) + heartbeat_seconds * 1000 / 3 <= ?
     order by coalesce(last_heartbeat_at, 0) + heartbeat_seconds * 1000 / 3 limit ?";

/// Pending reviews whose next reminder or escalation step is due, or not
/// scheduled yet (index `review_step_due`: the expression must stay the
/// index's own).
pub(super) const REMINDERS_DUE: &str = "select id, received_at, deadline_at from review
     where status = 'pending' and coalesce(next_step_at, 0) <= ?
     order by coalesce(next_step_at, 0) limit ?";

/// The queue's pending total (index `review_by_deadline`, covering).
pub(super) const COUNT_PENDING: &str =
    "select count(*) from review where status = 'pending' and due_at > ?";

/// Pending reviews past their deadline leave the queue (index
/// `review_by_deadline`).
pub(super) const EXPIRE_OVERDUE: &str =
    "update review set status = ?, status_reason = ?, version = version + 1, updated_at = ?
     where status = 'pending' and due_at <= ?
     returning id";

/// Claims queued deliveries that are due (index `delivery_due`).
pub(super) const CLAIM_DELIVERIES: &str =
    "update delivery set claimed_until = ?, attempts = attempts + 1, updated_at = ?
     where review_id in (
        select review_id from delivery
        where state = 'queued' and next_attempt_at <= ?
          and (claimed_until is null or claimed_until <= ?)
        order by next_attempt_at limit ?)
     returning review_id, payload_json, attempts";

/// Claims the notifications due (see `claim_notifications` for which go
/// together). The outer search walks the queued rows in the order they are
/// due (index `notification_due`); the two correlated searches, run for
/// each candidate, look up the rows to the same route and destination
/// (index `notification_queued_to`), not every queued row again: during a
/// chat tool's outage the queue grows, and a walk per candidate made the
/// claim quadratic in it.
pub(super) const CLAIM_NOTIFICATIONS: &str =
    "update notification set claimed_until = ?, attempts = attempts + 1
     where id in (
        select n.id from notification n
        where n.state = 'queued' and (n.claimed_until is null or n.claimed_until <= ?)
          and (n.next_attempt_at <= ? or exists (
              select 1 from notification d
              where d.state = 'queued' and d.route = n.route
                and d.destination_json = n.destination_json
                and (d.digest_until = n.digest_until or n.route = ?)
                and d.next_attempt_at <= ?))
          and not (n.route = ? and exists (
              select 1 from notification h
              where h.state = 'queued' and h.route = n.route
                and h.destination_json = n.destination_json and h.claimed_until > ?))
        order by n.next_attempt_at, n.id limit ?)
     returning id, route, destination_json, digest_until, attempts";

/// Queued deliveries committed before a time and not yet noticed as stuck,
/// oldest first (the partial index `delivery_stuck_watch`, whose condition
/// the statement repeats so that SQLite may use it).
pub(super) const STUCK_DELIVERIES: &str =
    "select review_id, created_at, attempts, last_error from delivery
     where state = 'queued' and stuck_noticed_at is null and created_at <= ?
     order by created_at limit ?";

/// What happened to reviews since the last change the live pages were
/// told of (the audit log's own order, from a recent id): entries whose
/// action changes a review ([`Action::changes_a_review`]). The actions are
/// written out in the statement, as literals, so that SQLite plans it the
/// same whatever is bound.
pub(super) static REVIEW_CHANGES_AFTER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select id, review_id, action from audit_entry
     where id > ? and review_id is not null
       and action not in ({})
     order by id limit ?",
        actions_where(|action| !action.changes_a_review())
    )
});

/// The audit page's "Decisions only" view: approvals, partial and
/// withdrawn ones too, and rejections. The partial index `audit_entry_decision` holds these
/// entries under this condition, which the statement must repeat word for
/// word for SQLite to use it.
pub(super) static DECISION_ENTRIES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "(e.action in ({}) or e.action glob 'approval * of *')",
        actions_where(Action::is_decision)
    )
});

/// The approvals, partial ones too (within [`DECISION_ENTRIES`]).
pub(super) const APPROVAL_ENTRIES: &str =
    "(e.action = 'approved' or e.action glob 'approval * of *')";

/// The audit page's default view: everything but people looking and
/// signing in (the partial index `audit_entry_activity`, whose condition
/// this repeats word for word).
pub(super) static ACTIVITY_ENTRIES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "e.action not in ({})",
        actions_where(Action::is_looking_or_signing_in)
    )
});

/// The distinct models under review, in any case, in order (one seek of
/// index `review_model` per model, not a walk of every review).
pub(super) static KNOWN_MODELS: LazyLock<String> = LazyLock::new(|| distinct_values("model_name"));

/// The distinct reviewer groups, as [`KNOWN_MODELS`] (index `review_group`).
pub(super) static KNOWN_GROUPS: LazyLock<String> =
    LazyLock::new(|| distinct_values("reviewer_group"));

/// Up to `?` distinct values of the review's `column`, in any case, in
/// order: a recursive query that seeks the next value after each along the
/// column's index (`collate nocase`), as many seeks as there are values.
fn distinct_values(column: &str) -> String {
    format!(
        "with recursive v(name) as (
        select min({column} collate nocase) from review
        union all
        select (select min({column} collate nocase) from review where {column} > v.name collate nocase)
        from v where v.name is not null)
     select name from v where name is not null limit ?"
    )
}

/// The lead overview: how many pending reviews `filter` keeps are at least
/// each of `ages` old at `now_ms`, in one pass over the pending part of an
/// index that starts with the status and holds `received_at` (or, for a
/// model, over that model's pending reviews).
pub(super) fn pending_at_least_query(
    now_ms: i64,
    ages: &[i64],
    filter: &OverviewFilter,
) -> QueryBuilder<'static, Sqlite> {
    let mut sql = QueryBuilder::new("select ");
    for (n, age) in ages.iter().enumerate() {
        if n > 0 {
            sql.push(", ");
        }
        sql.push("coalesce(sum(r.received_at <= ")
            .push_bind(now_ms.saturating_sub(*age))
            .push("), 0)");
    }
    sql.push(" from review r where r.status = 'pending'");
    push_pending_filter(&mut sql, filter);
    sql
}

/// The lead overview: the pending reviews `filter` keeps received longest
/// ago (index `review_by_received`, or the filter's own).
pub(super) fn oldest_pending_query(
    received_by_ms: i64,
    limit: u32,
    filter: &OverviewFilter,
) -> QueryBuilder<'static, Sqlite> {
    let mut sql = QueryBuilder::new(
        "select r.id, r.title, r.received_at from review r
         where r.status = 'pending' and r.received_at <= ",
    );
    sql.push_bind(received_by_ms);
    push_pending_filter(&mut sql, filter);
    sql.push(" order by r.received_at, r.id limit ")
        .push_bind(limit);
    sql
}

/// The overview's decisions since a time (bound next): the period's
/// decisions (index `decision_by_time`), each one's review by its key. The
/// `cross join` keeps that order: with a model or group SQLite would
/// otherwise start from every review of it, however old.
const PERIOD_DECISIONS: &str =
    " from decision d cross join review r on r.id = d.review_id where d.created_at >= ";

/// The lead overview: the decisions made since `since_ms` on the reviews
/// `filter` keeps, `(reviewer, verdict, at)`.
pub(super) fn decisions_since_query(
    since_ms: i64,
    filter: &OverviewFilter,
) -> QueryBuilder<'static, Sqlite> {
    let mut sql = QueryBuilder::new("select d.reviewer_label, d.verdict, d.created_at");
    sql.push(PERIOD_DECISIONS).push_bind(since_ms);
    push_overview_filter(&mut sql, filter);
    sql
}

/// The lead overview: the reviews `filter` keeps that were finally decided
/// since `since_ms`, `(received_at, decided_at, approved)`, read as
/// [`PERIOD_DECISIONS`] reads (a review's last decision is its latest
/// in the period, since it has one there).
pub(super) fn decided_since_query(
    since_ms: i64,
    filter: &OverviewFilter,
) -> QueryBuilder<'static, Sqlite> {
    let mut sql =
        QueryBuilder::new("select r.received_at, max(d.created_at), r.status = 'approved'");
    sql.push(PERIOD_DECISIONS)
        .push_bind(since_ms)
        .push(" and r.status in ('approved', 'rejected')");
    push_overview_filter(&mut sql, filter);
    sql.push(" group by r.id");
    sql
}

/// ` and …` for each of the overview's filters on the review `r`, in any
/// ASCII case (as the queue's).
fn push_overview_filter(sql: &mut QueryBuilder<'static, Sqlite>, filter: &OverviewFilter) {
    super::queue_query::push_model_and_group(sql, filter.model.as_deref(), filter.group.as_deref());
}

/// As [`push_overview_filter`], for what is pending: the model may choose
/// its index (which starts with the status), the group may not (its index
/// holds every review the group ever had, decided ones too): the unary `+`
/// keeps SQLite on the pending part of a status index.
fn push_pending_filter(sql: &mut QueryBuilder<'static, Sqlite>, filter: &OverviewFilter) {
    super::queue_query::push_model_and_group(sql, filter.model.as_deref(), None);
    if let Some(group) = &filter.group {
        sql.push(" and +r.reviewer_group = ")
            .push_bind(group.clone())
            .push(" collate nocase");
    }
}

/// The person whose verified e-mail folds to `?`, the most recently seen
/// (index `person_by_verified_email`, read backwards).
pub(super) const PERSON_BY_VERIFIED_EMAIL: &str =
    "select subject, email, email_verified, display_name, usernames_json, role, last_seen_at
     from person where verified_email_key = ? order by last_seen_at desc limit 1";

/// The members of group `?` with a verified e-mail (the key of
/// `person_group`, then each person by theirs). Few people share a group:
/// the adapter orders them.
pub(super) const PEOPLE_IN_GROUP: &str =
    "select p.subject, p.email, p.email_verified, p.display_name, p.usernames_json, p.role,
            p.last_seen_at
     from person_group g join person p on p.subject = g.subject
     where g.group_name = ? and p.verified_email_key is not null";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_change_feed_reads_what_changes_a_review_in_the_statement_it_always_had() {
        // The statement the query plan was checked with (module
        // `query_plans` asks for it again); the list is the complement of
        // `changes_a_review`.
        assert_eq!(
            REVIEW_CHANGES_AFTER.as_str(),
            "select id, review_id, action from audit_entry
     where id > ? and review_id is not null
       and action not in ('reminder due', 'escalated', 'delivery stuck', 'notification failed', 'viewed', 'artefact link issued', 'heartbeat failed')
     order by id limit ?"
        );
    }

    #[test]
    fn the_audit_views_repeat_their_partial_indexes_conditions() {
        let migration = include_str!("../../../migrations/sqlite/0019_filters_any_case.sql");
        for condition in [DECISION_ENTRIES.as_str(), ACTIVITY_ENTRIES.as_str()] {
            let bare = condition.replace("e.action", "action");
            let bare = bare
                .strip_prefix('(')
                .and_then(|c| c.strip_suffix(')'))
                .unwrap_or(&bare);
            assert!(
                migration.contains(&format!("where {bare};")),
                "{bare} is not an index's condition"
            );
        }
    }
}
