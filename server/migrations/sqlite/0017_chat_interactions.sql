-- Interactions from chat tools (a button's click, a submitted form), kept
-- for as long as their signature would be accepted, so a retry or a
-- replay of one is acted on once, whichever replica receives it.

create table chat_interaction (
    key text primary key,
    seen_at integer not null
);

create index chat_interaction_seen on chat_interaction (seen_at);
