-- The queue's and the audit log's model and reviewer-group filters match
-- in any case ("Fraud-Detector" finds fraud-detector): their indexes
-- compare without case, so `= ? collate nocase` still searches them. The
-- same indexes list each distinct model and group for the filters'
-- pickers, one seek per value.
drop index review_model_deadline;
create index review_model_deadline on review (status, model_name collate nocase, due_at, id);
drop index review_model;
create index review_model on review (model_name collate nocase);
create index review_group on review (reviewer_group collate nocase);

-- The audit page's "Decisions only" view (approvals, partial ones and
-- withdrawn ones, and rejections; its "approved" filter lists partial
-- approvals too) and its default view, which leaves out
-- people looking and signing in, read newest first along these. The
-- conditions are written out again, word for word, in the page's query
-- (server/src/db/sqlite/indexed_sql.rs) so that SQLite may use them.
create index audit_entry_decision on audit_entry (id)
    where action in ('approved', 'rejected', 'approval withdrawn') or action glob 'approval * of *';
create index audit_entry_activity on audit_entry (id)
    where action not in ('viewed', 'artefact link issued', 'signed in', 'signed out');
