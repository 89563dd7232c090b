-- The clock's sweeps, once a second, each want a few reviews: the ones
-- checked longest ago, and the held ones whose heartbeat is due. Their
-- indexes did not match their queries (coalesce, and an order by another
-- column), so at 100,000 pending reviews each sweep read every pending
-- review and sorted them: about 100 ms of a core every second, which
-- showed as the queue page's slowest requests. These indexes hold the
-- queries' own expressions, so each sweep reads only the rows it takes.
drop index review_check_order;
create index review_check_order on review (status, coalesce(checked_at, 0), received_at);

-- When a held review's next heartbeat is due: a third of its heartbeat
-- interval after the last one. Only reviews with heartbeats are indexed.
create index review_heartbeat_due on review
    (status, (coalesce(last_heartbeat_at, 0) + heartbeat_seconds * 1000 / 3))
    where heartbeat_seconds is not null;
