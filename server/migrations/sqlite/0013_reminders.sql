-- Reminders and escalation: each pending review's next step is due at
-- next_step_at (null: not scheduled yet, so due at once to be scheduled);
-- each step that fired, or was passed over after a stop, is recorded once.

alter table review add column next_step_at integer;

create index review_step_due on review (status, coalesce(next_step_at, 0));

create table reminder_step (
    review_id text not null references review (id),
    step_id text not null,
    fired_at integer not null,
    primary key (review_id, step_id)
);
