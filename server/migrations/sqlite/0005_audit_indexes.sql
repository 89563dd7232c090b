-- Filtering the audit log by action (the decisions, sign-ins, …) walks this
-- index newest first instead of scanning the whole log.
create index audit_entry_action on audit_entry (action, id);
