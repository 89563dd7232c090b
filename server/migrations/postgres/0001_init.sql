-- Signoff on PostgreSQL: the schema SQLite reached in twenty migrations,
-- written once. Times are epoch milliseconds (bigint) and JSON is text, as
-- on SQLite, so both engines read rows into the same structs
-- (server/src/db/rows.rs). Case-insensitive filters compare lower(...),
-- where SQLite says `collate nocase`; search uses pg_trgm where SQLite has
-- FTS5 trigram tables.

create extension if not exists pg_trgm;

create table review (
    id text primary key,
    -- The task token is a bearer capability: it leaves this table only for
    -- the call that resumes the workflow. Duplicates are found by its hash.
    task_token text not null,
    task_token_sha256 text not null unique,
    execution_arn text not null,
    state_name text not null,
    entered_at bigint not null,
    received_at bigint not null,
    deadline_at bigint,
    -- Queue order: the deadline, or "never" for reviews without one.
    due_at bigint not null,
    title text not null,
    model_name text not null,
    model_version text not null,
    requested_by text not null,
    status text not null default 'pending',
    status_reason text,
    -- Bumped by every decision: the compare-and-set that lets exactly one of
    -- two concurrent deciders win.
    version bigint not null default 0,
    review_json text not null,
    context_json text not null,
    extra_json text not null,
    created_at bigint not null,
    updated_at bigint not null,
    heartbeat_seconds bigint,
    last_heartbeat_at bigint,
    heartbeats_sent bigint not null default 0,
    checked_at bigint,
    reviewer_group text,
    priority bigint not null default 1,
    failing_thresholds bigint,
    policy_json text,
    next_step_at bigint
);

create index review_by_deadline on review (status, due_at, id);
create index review_by_received on review (status, received_at, id);
create index review_by_priority on review (status, priority desc, due_at, id);
create index review_model_deadline on review (status, lower(model_name), due_at, id);
create index review_model on review (lower(model_name));
create index review_group on review (lower(reviewer_group));
create index review_execution on review (execution_arn);
create index review_check_order on review (status, coalesce(checked_at, 0), received_at);
create index review_heartbeat_due on review
    (status, (coalesce(last_heartbeat_at, 0) + heartbeat_seconds * 1000 / 3))
    where heartbeat_seconds is not null;
create index review_step_due on review (status, coalesce(next_step_at, 0));
-- A queue search: each word in the title, the model or the requester, in
-- any case (ILIKE along trigrams). The words have no spaces, so none can
-- match across the joins.
create index review_search on review
    using gin ((title || ' ' || model_name || ' ' || requested_by) gin_trgm_ops);

create table decision (
    id bigint generated always as identity primary key,
    review_id text not null references review (id),
    verdict text not null check (verdict in ('approve', 'reject')),
    reviewer_subject text not null,
    reviewer_label text not null,
    comment text,
    created_at bigint not null,
    reviewer_groups_json text not null default '[]'
);

create index decision_review on decision (review_id, id);
create index decision_by_time on decision (created_at);

create table delivery (
    review_id text primary key references review (id),
    payload_json text not null,
    state text not null default 'queued'
        check (state in ('queued', 'delivered', 'closed', 'failed')),
    attempts bigint not null default 0,
    last_error text,
    next_attempt_at bigint not null,
    -- A sender holds the row until then; a crash mid-send frees it later.
    claimed_until bigint,
    created_at bigint not null,
    updated_at bigint not null,
    stuck_noticed_at bigint
);

create index delivery_due on delivery (state, next_attempt_at);
create index delivery_stuck_watch on delivery (state, created_at)
    where stuck_noticed_at is null;

create table rejected_intake (
    id text primary key,
    source text not null,
    message_id text not null,
    received_at bigint not null,
    receive_count bigint not null default 1,
    reasons_json text not null,
    execution_arn text,
    -- The message with its task token redacted; null when it was not JSON.
    redacted_body text,
    workflow_notified boolean not null default false,
    created_at bigint not null,
    updated_at bigint not null,
    unique (source, message_id)
);

-- The audit chain. Appends are serialised by a transaction-scoped advisory
-- lock (server/src/db/postgres/audit_log.rs), so ids are taken, and
-- committed, in the chain's order on every replica.
create table audit_entry (
    id bigint generated always as identity primary key,
    at bigint not null,
    actor text not null,
    action text not null,
    review_id text,
    detail text,
    actor_subject text,
    actor_role text,
    prev_hash text,
    hash text
);

create index audit_entry_review on audit_entry (review_id, id);
create index audit_entry_action on audit_entry (action, id);
create index audit_entry_at on audit_entry (at, id);
create index audit_entry_actor on audit_entry (lower(actor), id);
-- The audit page's "Decisions only" view and its default view, newest
-- first; the page's query repeats these conditions word for word.
create index audit_entry_decision on audit_entry (id)
    where action in ('approved', 'rejected', 'approval withdrawn') or action like 'approval % of %';
create index audit_entry_activity on audit_entry (id)
    where action not in ('viewed', 'artefact link issued', 'signed in', 'signed out');
create index audit_entry_actor_search on audit_entry using gin (actor gin_trgm_ops);
create index audit_entry_detail_search on audit_entry using gin (detail gin_trgm_ops);

-- Entries are never changed, and removed only by `signoff audit prune`,
-- which says so for its own transaction (and writes a checkpoint). The
-- grants are the stronger guard: see docs/postgresql.md.
create function audit_entry_append_only() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and current_setting('signoff.audit_prune', true) = 'on' then
        return old;
    end if;
    raise exception 'audit entries are append-only';
end
$$;

create trigger audit_entry_no_update before update on audit_entry
    for each row execute function audit_entry_append_only();
create trigger audit_entry_no_delete before delete on audit_entry
    for each row execute function audit_entry_append_only();
create trigger audit_entry_no_truncate before truncate on audit_entry
    for each statement execute function audit_entry_append_only();

create table session (
    id_sha256 text primary key,
    subject text not null,
    email text,
    display_name text not null,
    role text not null,
    groups_json text not null,
    -- For the provider's logout (id_token_hint); never sent to the browser.
    id_token text,
    created_at bigint not null,
    last_seen_at bigint not null,
    -- Absolute end, whatever the activity.
    expires_at bigint not null,
    email_verified boolean not null default true,
    usernames_json text not null default '[]'
);

create index session_expiry on session (expires_at);
create index session_idle on session (last_seen_at);

create table login_attempt (
    state text primary key,
    nonce text not null,
    pkce_verifier text not null,
    return_to text not null,
    created_at bigint not null,
    browser_secret_sha256 text not null default ''
);

create index login_attempt_age on login_attempt (created_at);

create table notification_event (
    audit_id bigint primary key,
    review_id text not null,
    routed_at bigint
);

create index notification_event_unrouted on notification_event (audit_id)
    where routed_at is null;
create index notification_event_of_review on notification_event (review_id, audit_id);

create table notification (
    id bigint generated always as identity primary key,
    audit_id bigint not null,
    review_id text not null,
    route text not null,
    destination_json text not null,
    -- A digest route's window end: its rows of one destination and window
    -- go out together, as one message.
    digest_until bigint,
    state text not null default 'queued' check (state in ('queued', 'sent', 'failed')),
    attempts bigint not null default 0,
    last_error text,
    next_attempt_at bigint not null,
    -- A sender holds the row until then; a crash mid-send frees it later.
    claimed_until bigint,
    created_at bigint not null,
    sent_at bigint,
    unique (audit_id, route, destination_json)
);

create index notification_due on notification (state, next_attempt_at);
create index notification_queued_to on notification (route, destination_json, next_attempt_at)
    where state = 'queued';

create table chat_message (
    channel text not null,
    ts text not null,
    review_id text not null,
    posted_at bigint not null,
    primary key (channel, ts)
);

create index chat_message_of_review on chat_message (review_id, posted_at);

create table reminder_step (
    review_id text not null references review (id),
    step_id text not null,
    fired_at bigint not null,
    primary key (review_id, step_id)
);

create table person (
    -- The identity provider's `sub`.
    subject text primary key,
    email text,
    email_verified boolean not null,
    -- The e-mail folded to lower case, only when the provider vouched for
    -- it: what lookups by e-mail compare (folded by Signoff, not by the
    -- engine, so every engine folds the same way).
    verified_email_key text,
    display_name text not null,
    usernames_json text not null,
    role text not null,
    last_seen_at bigint not null
);

create index person_by_verified_email on person (verified_email_key, last_seen_at)
    where verified_email_key is not null;

create table person_group (
    group_name text not null,
    subject text not null references person (subject) on delete cascade,
    -- The group's place in the provider's list, so it reads back in order.
    position bigint not null,
    primary key (group_name, subject)
);

create index person_group_of_subject on person_group (subject, position);

create table chat_interaction (
    key text primary key,
    seen_at bigint not null
);

create index chat_interaction_seen on chat_interaction (seen_at);

-- Sweeps that spend a shared budget (the reconciler's DescribeExecution
-- calls) take turns through this row, so the replicas share the budget
-- instead of each spending it.
create table clock_turn (
    name text primary key,
    taken_at bigint not null
);

-- Live pages on every replica: each statement that appends to the audit
-- log wakes the replicas' change feeds (delivered at commit; the feeds
-- then read from their cursors, so a notification may be lost safely).
create function audit_entry_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('signoff_audit', '');
    return null;
end
$$;

create trigger audit_entry_appended after insert on audit_entry
    for each statement execute function audit_entry_notify();
