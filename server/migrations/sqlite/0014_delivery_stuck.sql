-- A delivery queued longer than `[notify] stuck_after_minutes` is noticed
-- once: its "delivery stuck" audit entry (which notifies) is written in the
-- same transaction that sets this, so a second sweep, a restart or another
-- replica never writes it again.
alter table delivery add column stuck_noticed_at integer;

-- The sweep's reading: queued deliveries not yet noticed, oldest first
-- (partial: a delivery noticed once leaves it).
create index delivery_stuck_watch on delivery (state, created_at)
    where stuck_noticed_at is null;
