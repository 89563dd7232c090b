-- Signoff schema, SQLite. Times are epoch milliseconds (integer) so they sort
-- and compare the same way here and on PostgreSQL.

-- One row per review request a workflow is waiting on.
create table review (
    id text primary key,
    -- The task token is a bearer capability: it leaves this table only for
    -- the call that resumes the workflow. Duplicates are found by its hash.
    task_token text not null,
    task_token_sha256 text not null unique,
    execution_arn text not null,
    state_name text not null,
    entered_at integer not null,
    received_at integer not null,
    deadline_at integer,
    -- Queue order: the deadline, or "never" for reviews without one.
    due_at integer not null,
    title text not null,
    model_name text not null,
    model_version text not null,
    requested_by text not null,
    status text not null default 'pending',
    status_reason text,
    -- Bumped by every decision: the compare-and-set that lets exactly one of
    -- two concurrent deciders win.
    version integer not null default 0,
    review_json text not null,
    context_json text not null,
    extra_json text not null,
    created_at integer not null,
    updated_at integer not null
);

create index review_queue on review (status, due_at, received_at);

-- Every decision by every reviewer (several when N approvals are needed).
create table decision (
    id integer primary key autoincrement,
    review_id text not null references review (id),
    verdict text not null check (verdict in ('approve', 'reject')),
    reviewer_subject text not null,
    reviewer_label text not null,
    comment text,
    created_at integer not null
);

create index decision_review on decision (review_id, id);

-- The outbox: the exact call that resumes the workflow, committed with the
-- decision, sent (and retried) by the delivery worker.
create table delivery (
    review_id text primary key references review (id),
    payload_json text not null,
    state text not null default 'queued' check (state in ('queued', 'delivered', 'closed')),
    attempts integer not null default 0,
    last_error text,
    next_attempt_at integer not null,
    -- A sender holds the row until then; a crash mid-send frees it later.
    claimed_until integer,
    created_at integer not null,
    updated_at integer not null
);

create index delivery_due on delivery (state, next_attempt_at);

-- Messages that could not become reviews, kept for leads with their reasons.
create table rejected_intake (
    id text primary key,
    source text not null,
    message_id text not null,
    received_at integer not null,
    receive_count integer not null default 1,
    reasons_json text not null,
    execution_arn text,
    -- The message with its task token redacted; null when it was not JSON.
    redacted_body text,
    workflow_notified integer not null default 0,
    created_at integer not null,
    updated_at integer not null,
    unique (source, message_id)
);

-- Who did what, when. Append-only (hash chain and triggers come with the
-- audit log proper).
create table audit_entry (
    id integer primary key autoincrement,
    at integer not null,
    actor text not null,
    action text not null,
    review_id text,
    detail text
);

create index audit_entry_review on audit_entry (review_id, id);
