//! PostgreSQL's statements that must stay on an index at 100,000 pending
//! reviews, kept apart as SQLite's are (`crate::db::sqlite::indexed_sql`):
//! the sweeps that run every second or so on every replica, the live
//! pages' change feed, and the lead overview's.

use crate::db::text_keys::actions_where;
use app::domain::audit_action::Action;
use app::domain::overview_stats::OverviewFilter;
use sqlx::{Postgres, QueryBuilder};
use std::sync::LazyLock;

/// The pending reviews checked longest ago (index `review_check_order`).
pub(super) const REVIEWS_TO_CHECK: &str = "select id, execution_arn from review
     where status = 'pending' and coalesce(checked_at, 0) < $1
     order by coalesce(checked_at, 0), received_at limit $2
     for update skip locked";

/// Takes a sweep's turn (bound: its name, now, and the time since which
/// nobody may have taken it): one row per sweep, which a turn taken
/// meanwhile leaves unchanged, so the statement then changes no row.
pub(super) const TAKE_TURN: &str = "insert into clock_turn (name, taken_at) values ($1, $2)
     on conflict (name) do update set taken_at = excluded.taken_at
     where clock_turn.taken_at <= $3";

/// The reconciler's turn ([`TAKE_TURN`]).
pub(super) const RECONCILE_TURN: &str = "reconcile";

/// Held reviews whose heartbeat is due, most overdue first (index
/// `review_heartbeat_due`: the expression must stay the index's own).
pub(super) const HEARTBEATS_DUE: &str = "select id, task_token from review
     where status = 'pending' and heartbeat_seconds is not null
       and coalesce(last_heartbeat_at, 0) + heartbeat_seconds * 1000 / 3 <= $1
     order by coalesce(last_heartbeat_at, 0) + heartbeat_seconds * 1000 / 3 limit $2
     for update skip locked";

/// Pending reviews whose next reminder or escalation step is due, or not
/// scheduled yet (index `review_step_due`).
pub(super) const REMINDERS_DUE: &str = "select id, received_at, deadline_at from review
     where status = 'pending' and coalesce(next_step_at, 0) <= $1
     order by coalesce(next_step_at, 0) limit $2";

/// The queue's pending total (index `review_by_deadline`).
pub(super) const COUNT_PENDING: &str =
    "select count(*) from review where status = 'pending' and due_at > $1";

/// Pending reviews past their deadline leave the queue.
pub(super) const EXPIRE_OVERDUE: &str =
    "update review set status = $1, status_reason = $2, version = version + 1, updated_at = $3
     where status = 'pending' and due_at <= $4
     returning id";

/// Claims queued deliveries that are due (index `delivery_due`). Rows
/// another replica is claiming are skipped, not waited for; the token and
/// execution come back with the claim.
pub(super) const CLAIM_DELIVERIES: &str =
    "update delivery d set claimed_until = $1, attempts = d.attempts + 1, updated_at = $2
     from review r
     where r.id = d.review_id and d.review_id in (
        select review_id from delivery
        where state = 'queued' and next_attempt_at <= $3
          and (claimed_until is null or claimed_until <= $4)
        order by next_attempt_at limit $5
        for update skip locked)
     returning d.review_id, d.payload_json, d.attempts, r.task_token, r.execution_arn";

/// Claims the notifications due, as SQLite's statement of the same name
/// decides which go together (a digest's rows, one chat message's updates
/// one at a time), skipping rows another replica is claiming.
pub(super) const CLAIM_NOTIFICATIONS: &str =
    "update notification set claimed_until = $1, attempts = attempts + 1
     where id in (
        select n.id from notification n
        where n.state = 'queued' and (n.claimed_until is null or n.claimed_until <= $2)
          and (n.next_attempt_at <= $3 or exists (
              select 1 from notification d
              where d.state = 'queued' and d.route = n.route
                and d.destination_json = n.destination_json
                and (d.digest_until = n.digest_until or n.route = $4)
                and d.next_attempt_at <= $3))
          and not (n.route = $4 and exists (
              select 1 from notification h
              where h.state = 'queued' and h.route = n.route
                and h.destination_json = n.destination_json and h.claimed_until > $2))
        order by n.next_attempt_at, n.id limit $5
        for update of n skip locked)
     returning id, route, destination_json, digest_until, attempts";

/// Queued deliveries committed before a time and not yet noticed as stuck,
/// oldest first (the partial index `delivery_stuck_watch`).
pub(super) const STUCK_DELIVERIES: &str =
    "select review_id, created_at, attempts, last_error from delivery
     where state = 'queued' and stuck_noticed_at is null and created_at <= $1
     order by created_at limit $2";

/// What happened to reviews since the last change the live pages were told
/// of: entries whose action changes a review, in the chain's order (which
/// is also the order they were committed in: see [`super::audit_log`]).
pub(super) static REVIEW_CHANGES_AFTER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select id, review_id, action from audit_entry
     where id > $1 and review_id is not null
       and action not in ({})
     order by id limit $2",
        actions_where(|action| !action.changes_a_review())
    )
});

/// The audit page's "Decisions only" view: the condition of the partial
/// index `audit_entry_decision`, word for word.
pub(super) static DECISION_ENTRIES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "(e.action in ({}) or e.action like 'approval % of %')",
        actions_where(Action::is_decision)
    )
});

/// The approvals, partial ones too (within [`DECISION_ENTRIES`]).
pub(super) const APPROVAL_ENTRIES: &str =
    "(e.action = 'approved' or e.action like 'approval % of %')";

/// The audit page's default view (the partial index `audit_entry_activity`).
pub(super) static ACTIVITY_ENTRIES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "e.action not in ({})",
        actions_where(Action::is_looking_or_signing_in)
    )
});

/// The distinct models under review, in any case, in order.
pub(super) static KNOWN_MODELS: LazyLock<String> = LazyLock::new(|| distinct_values("model_name"));

/// The distinct reviewer groups, as [`KNOWN_MODELS`].
pub(super) static KNOWN_GROUPS: LazyLock<String> =
    LazyLock::new(|| distinct_values("reviewer_group"));

/// Up to `$1` distinct values of the review's `column`, in any case, in
/// order: PostgreSQL has no skip scan, so a recursive query seeks the next
/// value after each along the column's `lower(...)` index, as many seeks
/// as there are values.
fn distinct_values(column: &str) -> String {
    format!(
        "with recursive v(name) as (
        (select {column} from review where {column} is not null order by lower({column}), {column} limit 1)
        union all
        select (select r.{column} from review r where lower(r.{column}) > lower(v.name)
                order by lower(r.{column}), r.{column} limit 1)
        from v where v.name is not null)
     select name from v where name is not null limit $1"
    )
}

/// The lead overview: how many pending reviews `filter` keeps are at least
/// each of `ages` old at `now_ms`, in one pass.
pub(super) fn pending_at_least_query(
    now_ms: i64,
    ages: &[i64],
    filter: &OverviewFilter,
) -> QueryBuilder<'static, Postgres> {
    let mut sql = QueryBuilder::new("select ");
    for (n, age) in ages.iter().enumerate() {
        if n > 0 {
            sql.push(", ");
        }
        sql.push("count(*) filter (where r.received_at <= ")
            .push_bind(now_ms.saturating_sub(*age))
            .push(")");
    }
    sql.push(" from review r where r.status = 'pending'");
    push_overview_filter(&mut sql, filter);
    sql
}

/// The lead overview: the pending reviews `filter` keeps received longest
/// ago (index `review_by_received`).
pub(super) fn oldest_pending_query(
    received_by_ms: i64,
    limit: u32,
    filter: &OverviewFilter,
) -> QueryBuilder<'static, Postgres> {
    let mut sql = QueryBuilder::new(
        "select r.id, r.title, r.received_at from review r
         where r.status = 'pending' and r.received_at <= ",
    );
    sql.push_bind(received_by_ms);
    push_overview_filter(&mut sql, filter);
    sql.push(" order by r.received_at, r.id limit ")
        .push_bind(i64::from(limit));
    sql
}

/// The overview's decisions since a time (bound next), each with its review.
const PERIOD_DECISIONS: &str =
    " from decision d join review r on r.id = d.review_id where d.created_at >= ";

/// The lead overview: the decisions made since `since_ms` on the reviews
/// `filter` keeps, `(reviewer, verdict, at)`.
pub(super) fn decisions_since_query(
    since_ms: i64,
    filter: &OverviewFilter,
) -> QueryBuilder<'static, Postgres> {
    let mut sql = QueryBuilder::new("select d.reviewer_label, d.verdict, d.created_at");
    sql.push(PERIOD_DECISIONS).push_bind(since_ms);
    push_overview_filter(&mut sql, filter);
    sql
}

/// The lead overview: the reviews `filter` keeps that were finally decided
/// since `since_ms`, `(received_at, decided_at, approved)`.
pub(super) fn decided_since_query(
    since_ms: i64,
    filter: &OverviewFilter,
) -> QueryBuilder<'static, Postgres> {
    let mut sql =
        QueryBuilder::new("select r.received_at, max(d.created_at), r.status = 'approved'");
    sql.push(PERIOD_DECISIONS)
        .push_bind(since_ms)
        .push(" and r.status in ('approved', 'rejected')");
    push_overview_filter(&mut sql, filter);
    sql.push(" group by r.id");
    sql
}

/// ` and …` for each of the overview's filters on the review `r`.
fn push_overview_filter(sql: &mut QueryBuilder<'static, Postgres>, filter: &OverviewFilter) {
    super::queue_query::push_model_and_group(sql, filter.model.as_deref(), filter.group.as_deref());
}

/// The person whose verified e-mail folds to `$1`, the most recently seen.
pub(super) const PERSON_BY_VERIFIED_EMAIL: &str =
    "select subject, email, email_verified, display_name, usernames_json, role, last_seen_at
     from person where verified_email_key = $1 order by last_seen_at desc limit 1";

/// The members of group `$1` with a verified e-mail.
pub(super) const PEOPLE_IN_GROUP: &str =
    "select p.subject, p.email, p.email_verified, p.display_name, p.usernames_json, p.role,
            p.last_seen_at
     from person_group g join person p on p.subject = g.subject
     where g.group_name = $1 and p.verified_email_key is not null";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_views_repeat_their_partial_indexes_conditions() {
        let migration = include_str!("../../../migrations/postgres/0001_init.sql");
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
