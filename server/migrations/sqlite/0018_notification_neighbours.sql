-- The notification claim looks, for each queued candidate, at the other
-- queued rows to the same route and destination (the rest of a digest
-- that is due, the other updates of one chat message). Without this index
-- each look walked every queued row, which made a claim quadratic in a
-- queue that grows while a chat tool is down.

create index notification_queued_to on notification (route, destination_json, next_attempt_at)
    where state = 'queued';
