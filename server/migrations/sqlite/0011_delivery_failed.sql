-- A delivery Step Functions refused for good (InvalidOutput, a
-- ValidationException) ends as 'failed', never retried. SQLite cannot alter
-- a check constraint, so the table is rebuilt with the new state allowed.
create table delivery_new (
    review_id text primary key references review (id),
    payload_json text not null,
    state text not null default 'queued' check (state in ('queued', 'delivered', 'closed', 'failed')),
    attempts integer not null default 0,
    last_error text,
    next_attempt_at integer not null,
    -- A sender holds the row until then; a crash mid-send frees it later.
    claimed_until integer,
    created_at integer not null,
    updated_at integer not null
);

insert into delivery_new (review_id, payload_json, state, attempts, last_error, next_attempt_at,
                          claimed_until, created_at, updated_at)
select review_id, payload_json, state, attempts, last_error, next_attempt_at,
       claimed_until, created_at, updated_at
from delivery;

drop table delivery;
alter table delivery_new rename to delivery;
create index delivery_due on delivery (state, next_attempt_at);
