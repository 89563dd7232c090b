-- The audit page's text filter, and its person filter when the person is
-- not typed in full, look for part of a word anywhere ("ada" finds
-- ada@example.com). A trigram index answers them without reading the log. Contentless: the text stays in audit_entry; rows
-- can be deleted from the index, for `signoff audit prune`.
create virtual table audit_search using fts5(
    actor,
    detail,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram'
);

insert into audit_search (rowid, actor, detail)
    select id, actor, coalesce(detail, '') from audit_entry;

create trigger audit_entry_search after insert on audit_entry
begin
    insert into audit_search (rowid, actor, detail)
        values (new.id, new.actor, coalesce(new.detail, ''));
end;

-- Date ranges are read newest first along this index, from the end of the
-- range, instead of scanning everything after it.
create index audit_entry_at on audit_entry (at);

-- The model filter finds the model's reviews without a scan.
create index review_model on review (model_name);

-- The person filter with a whole email or name: newest first along this
-- index (trigrams are slow for long strings made of common ones).
create index audit_entry_actor on audit_entry (actor collate nocase, id);
