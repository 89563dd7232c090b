-- The workflow's clock: heartbeats while a review is held, and when each
-- pending review was last checked against its execution.
alter table review add column heartbeat_seconds integer;
alter table review add column last_heartbeat_at integer;
alter table review add column heartbeats_sent integer not null default 0;
alter table review add column checked_at integer;

create index review_check_order on review (status, checked_at);
