-- The audit log becomes tamper-evident: who acted (subject and role, beside
-- the label already kept), and each entry's SHA-256 chained to the previous
-- entry's. Entries written by earlier versions are sealed into the chain at
-- start-up, in id order; then triggers (created in code, after sealing) make
-- the table append-only.
alter table audit_entry add column actor_subject text;
alter table audit_entry add column actor_role text;
alter table audit_entry add column prev_hash text;
alter table audit_entry add column hash text;
