-- The lead overview reads a period's decisions (and the reviews decided in
-- it) by when they were made, not by walking every decided review.
create index decision_by_time on decision (created_at);
