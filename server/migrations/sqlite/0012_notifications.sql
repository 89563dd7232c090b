-- The notification outbox. An audit entry whose action notifies gets an
-- event row in its own transaction; the notification worker routes each
-- event once into one row per route and destination, then sends those.

create table notification_event (
    audit_id integer primary key,
    review_id text not null,
    routed_at integer
);

create index notification_event_unrouted on notification_event (audit_id) where routed_at is null;

create table notification (
    id integer primary key,
    audit_id integer not null,
    review_id text not null,
    route text not null,
    destination_json text not null,
    -- A digest route's window end: its rows of one destination and window
    -- go out together, as one message.
    digest_until integer,
    state text not null default 'queued' check (state in ('queued', 'sent', 'failed')),
    attempts integer not null default 0,
    last_error text,
    next_attempt_at integer not null,
    -- A sender holds the row until then; a crash mid-send frees it later.
    claimed_until integer,
    created_at integer not null,
    sent_at integer,
    unique (audit_id, route, destination_json)
);

create index notification_due on notification (state, next_attempt_at);

-- Chat messages posted about a review, to be updated in place when the
-- review changes (no button outlives its review).
create table chat_message (
    channel text not null,
    ts text not null,
    review_id text not null,
    posted_at integer not null,
    primary key (channel, ts)
);

create index chat_message_of_review on chat_message (review_id, posted_at);
