-- Sign-in: server-side sessions and the OIDC logins in flight.

-- A signed-in person. The cookie holds a random value; only its SHA-256 is
-- stored, so a copy of the database does not hand out sessions.
create table session (
    id_sha256 text primary key,
    subject text not null,
    email text,
    display_name text not null,
    role text not null,
    groups_json text not null,
    -- For the provider's logout (id_token_hint); never sent to the browser.
    id_token text,
    created_at integer not null,
    last_seen_at integer not null,
    -- Absolute end, whatever the activity.
    expires_at integer not null
);

-- An authorization request on its way through the provider, keyed by its
-- `state`. Taken (deleted) by the callback, so a code cannot be replayed.
create table login_attempt (
    state text primary key,
    nonce text not null,
    pkce_verifier text not null,
    return_to text not null,
    created_at integer not null
);
