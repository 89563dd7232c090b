-- The people directory: each person as Signoff last saw them sign in, so
-- a click in a chat tool (which vouches only for an e-mail) maps to an
-- actor with roles, and an escalation to a group finds its members.
create table person (
    -- The identity provider's `sub`.
    subject text primary key,
    email text,
    email_verified integer not null,
    -- The e-mail folded to lower case, only when the provider vouched for
    -- it: what lookups by e-mail compare (folded by Signoff, not by the
    -- engine, so every engine folds the same way).
    verified_email_key text,
    display_name text not null,
    usernames_json text not null,
    role text not null,
    last_seen_at integer not null
);

-- By verified e-mail, the most recently seen first.
create index person_by_verified_email on person (verified_email_key, last_seen_at)
    where verified_email_key is not null;

-- Group membership as of the last sign-in, one row per group; the key
-- serves "who is in this group".
create table person_group (
    group_name text not null,
    subject text not null references person (subject) on delete cascade,
    -- The group's place in the provider's list, so it reads back in order.
    position integer not null,
    primary key (group_name, subject)
);

create index person_group_of_subject on person_group (subject, position);
