-- The queue's filters and orders read columns set at intake, so a page at
-- 100,000 pending reviews walks an index instead of parsing review_json.
alter table review add column reviewer_group text;
-- 0 low, 1 normal, 2 high, 3 urgent.
alter table review add column priority integer not null default 1;
-- How many thresholds the metrics fail. Null until computed: reviews from
-- before this column get it at start-up (the rule lives in Rust).
alter table review add column failing_thresholds integer;

update review set
    reviewer_group = json_extract(review_json, '$.reviewerGroup'),
    priority = case json_extract(review_json, '$.priority')
        when 'low' then 0 when 'high' then 2 when 'urgent' then 3 else 1 end;

-- One index per order the queue offers; each ends with id, the cursor's
-- tie-breaker.
drop index review_queue;
create index review_by_deadline on review (status, due_at, id);
create index review_by_received on review (status, received_at, id);
create index review_by_priority on review (status, priority desc, due_at, id);
-- A model's reviews by deadline (the common "my model's queue" link).
create index review_model_deadline on review (status, model_name, due_at, id);
