-- Approval policy and identities that cannot be spoofed.

-- The policy a review is held to (domain::policy::EffectivePolicy as JSON),
-- resolved at intake. Reviews from before policies have none: their own
-- fields apply, as they did when they arrived.
alter table review add column policy_json text;

-- The reviewer's groups when they decided: which "at least one approval
-- from group X" requirements the decision meets.
alter table decision add column reviewer_groups_json text not null default '[]';

-- What requester matching compares, besides the subject: whether the
-- e-mail is verified, and the configured username claims.
alter table session add column email_verified integer not null default 1;
alter table session add column usernames_json text not null default '[]';

-- A login is finished only by the browser that started it: it holds a
-- secret in a short-lived cookie, whose SHA-256 is kept here. Attempts
-- from before this column have none and cannot be finished.
alter table login_attempt add column browser_secret_sha256 text not null default '';

-- Expired sessions are swept by their absolute end.
create index session_expiry on session (expires_at);
