-- The queue's search looks for part of a word in the title, model name or
-- requester. A trigram index finds the few reviews a rare term matches
-- without reading every pending review (common terms still walk the
-- order's index, where matches come quickly). Contentless: the text stays
-- in review.
create virtual table review_search using fts5(
    title,
    model_name,
    requested_by,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram'
);

insert into review_search (rowid, title, model_name, requested_by)
    select rowid, title, model_name, requested_by from review;

create trigger review_search_insert after insert on review
begin
    insert into review_search (rowid, title, model_name, requested_by)
        values (new.rowid, new.title, new.model_name, new.requested_by);
end;

create trigger review_search_delete after delete on review
begin
    delete from review_search where rowid = old.rowid;
end;
