//! Server-side sessions and in-flight logins, in the application database.
//! The browser holds only a random session id; its SHA-256 is the key here.
//! A session keeps the groups the provider sent at sign-in, not a role: the
//! role is derived from them and the current role map on every request, so
//! a changed role map applies at once.

use app::domain::access::RoleMap;
use app::domain::actor::Actor;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

/// How long a login may take at the provider before its attempt is void.
const LOGIN_ATTEMPT_TTL_MS: i64 = 10 * 60_000;
/// Activity is recorded at most this often (saves a write per request).
const TOUCH_EVERY_MS: i64 = 60_000;

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// A session unused for this long ends.
    pub idle_ms: i64,
    /// A session ends this long after sign-in, however active.
    pub absolute_ms: i64,
}

/// Whether a session created at `created_ms`, last used at `last_seen_ms`,
/// is still alive at `now_ms`.
pub fn is_alive(lifetimes: Lifetimes, created_ms: i64, last_seen_ms: i64, now_ms: i64) -> bool {
    now_ms - last_seen_ms < lifetimes.idle_ms && now_ms - created_ms < lifetimes.absolute_ms
}

/// A login on its way through the provider. Its secrets stay out of
/// `Debug` output.
#[derive(Clone)]
pub struct LoginAttempt {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
    pub created_at_ms: i64,
    /// SHA-256 of the secret in the browser's login cookie: only the
    /// browser that started the login may finish it.
    pub browser_secret_sha256: String,
}

impl std::fmt::Debug for LoginAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginAttempt")
            .field("state", &"[redacted]")
            .field("nonce", &"[redacted]")
            .field("pkce_verifier", &"[redacted]")
            .field("return_to", &self.return_to)
            .field("created_at_ms", &self.created_at_ms)
            .field("browser_secret_sha256", &"[redacted]")
            .finish()
    }
}

#[derive(Clone)]
pub struct SessionStore {
    pool: SqlitePool,
    lifetimes: Lifetimes,
}

/// The hex SHA-256 of `text`: how session ids and login secrets are kept.
pub fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A fresh random secret, URL-safe (session ids, login-binding secrets).
pub fn random_secret() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    subject: String,
    email: Option<String>,
    email_verified: bool,
    usernames_json: String,
    display_name: String,
    groups_json: String,
    created_at: i64,
    last_seen_at: i64,
}

impl SessionStore {
    pub fn new(pool: SqlitePool, lifetimes: Lifetimes) -> Self {
        Self { pool, lifetimes }
    }

    pub fn lifetimes(&self) -> Lifetimes {
        self.lifetimes
    }

    /// Starts a session for `actor`; returns the value for the cookie. Always
    /// a fresh id, so a session id planted before sign-in is worthless.
    pub async fn create(
        &self,
        actor: &Actor,
        id_token: Option<&str>,
        now_ms: i64,
    ) -> anyhow::Result<String> {
        let id = random_secret();
        sqlx::query(
            "insert into session (id_sha256, subject, email, email_verified, usernames_json,
                display_name, role, groups_json, id_token, created_at, last_seen_at, expires_at)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(sha256(&id))
        .bind(&actor.subject)
        .bind(&actor.email)
        .bind(actor.email_verified)
        .bind(serde_json::to_string(&actor.usernames)?)
        .bind(&actor.display_name)
        // The role at sign-in, for the record only: requests derive theirs.
        .bind(actor.role.as_str())
        .bind(serde_json::to_string(&actor.groups)?)
        .bind(id_token)
        .bind(now_ms)
        .bind(now_ms)
        .bind(now_ms + self.lifetimes.absolute_ms)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// The actor of a live session, with the role `role_map` gives its
    /// groups now, recording the activity. A session whose groups no longer
    /// map to any role ends.
    pub async fn actor(
        &self,
        id: &str,
        now_ms: i64,
        role_map: &RoleMap,
    ) -> anyhow::Result<Option<Actor>> {
        let key = sha256(id);
        let row: Option<SessionRow> = sqlx::query_as(
            "select subject, email, email_verified, usernames_json, display_name, groups_json,
                created_at, last_seen_at
             from session where id_sha256 = ?",
        )
        .bind(&key)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let groups: Vec<String> = serde_json::from_str(&row.groups_json)?;
        let role = role_map.role_for(&groups);
        let alive = is_alive(self.lifetimes, row.created_at, row.last_seen_at, now_ms);
        let Some(role) = role.filter(|_| alive) else {
            if alive {
                tracing::info!(subject = %row.subject, ?groups, "the role map gives this session's groups no role now; ending it");
            }
            self.delete(&key).await?;
            return Ok(None);
        };
        if now_ms - row.last_seen_at >= TOUCH_EVERY_MS {
            sqlx::query("update session set last_seen_at = ? where id_sha256 = ?")
                .bind(now_ms)
                .bind(&key)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(Actor {
            subject: row.subject,
            email: row.email,
            email_verified: row.email_verified,
            usernames: serde_json::from_str(&row.usernames_json)?,
            display_name: row.display_name,
            role,
            groups,
        }))
    }

    /// Whether the session is still alive, without counting this as
    /// activity (an open live-update stream must not keep it from idling).
    pub async fn is_live(&self, id: &str, now_ms: i64) -> anyhow::Result<bool> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("select created_at, last_seen_at from session where id_sha256 = ?")
                .bind(sha256(id))
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some_and(|(created, seen)| is_alive(self.lifetimes, created, seen, now_ms)))
    }

    /// Removes sessions that have ended (idle too long or past their
    /// absolute end) and logins never finished; returns the sessions removed.
    pub async fn sweep(&self, now_ms: i64) -> anyhow::Result<u64> {
        let removed = sqlx::query("delete from session where expires_at <= ? or last_seen_at <= ?")
            .bind(now_ms)
            .bind(now_ms - self.lifetimes.idle_ms)
            .execute(&self.pool)
            .await?
            .rows_affected();
        sqlx::query("delete from login_attempt where created_at < ?")
            .bind(now_ms - LOGIN_ATTEMPT_TTL_MS)
            .execute(&self.pool)
            .await?;
        Ok(removed)
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        sqlx::query("delete from session where id_sha256 = ?")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a session; returns its ID token for the provider's logout.
    pub async fn end(&self, id: &str) -> anyhow::Result<Option<String>> {
        let token: Option<(Option<String>,)> =
            sqlx::query_as("delete from session where id_sha256 = ? returning id_token")
                .bind(sha256(id))
                .fetch_optional(&self.pool)
                .await?;
        Ok(token.and_then(|(t,)| t))
    }

    pub async fn save_attempt(&self, attempt: &LoginAttempt) -> anyhow::Result<()> {
        sqlx::query("delete from login_attempt where created_at < ?")
            .bind(attempt.created_at_ms - LOGIN_ATTEMPT_TTL_MS)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "insert into login_attempt (state, nonce, pkce_verifier, return_to, created_at,
                browser_secret_sha256)
             values (?, ?, ?, ?, ?, ?)",
        )
        .bind(&attempt.state)
        .bind(&attempt.nonce)
        .bind(&attempt.pkce_verifier)
        .bind(&attempt.return_to)
        .bind(attempt.created_at_ms)
        .bind(&attempt.browser_secret_sha256)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes the attempt with this `state` (once: a replay finds nothing),
    /// if it has not expired.
    pub async fn take_attempt(
        &self,
        state: &str,
        now_ms: i64,
    ) -> anyhow::Result<Option<LoginAttempt>> {
        let row: Option<(String, String, String, i64, String)> = sqlx::query_as(
            "delete from login_attempt where state = ?
             returning nonce, pkce_verifier, return_to, created_at, browser_secret_sha256",
        )
        .bind(state)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .filter(|(_, _, _, created, _)| now_ms - created < LOGIN_ATTEMPT_TTL_MS)
            .map(
                |(nonce, pkce_verifier, return_to, created_at_ms, browser_secret_sha256)| {
                    LoginAttempt {
                        state: state.to_owned(),
                        nonce,
                        pkce_verifier,
                        return_to,
                        created_at_ms,
                        browser_secret_sha256,
                    }
                },
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_attempt_keeps_its_secrets_out_of_debug() {
        let attempt = LoginAttempt {
            state: "state-value".into(),
            nonce: "nonce-value".into(),
            pkce_verifier: "verifier-value".into(),
            return_to: "/reviews/1".into(),
            created_at_ms: 0,
            browser_secret_sha256: "hash-value".into(),
        };
        let shown = format!("{attempt:?}");
        for secret in ["state-value", "nonce-value", "verifier-value", "hash-value"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("/reviews/1"), "{shown}");
    }

    const LIFETIMES: Lifetimes = Lifetimes {
        idle_ms: 1_000,
        absolute_ms: 10_000,
    };

    #[test]
    fn a_session_ends_when_idle_or_too_old() {
        assert!(is_alive(LIFETIMES, 0, 0, 999));
        assert!(
            !is_alive(LIFETIMES, 0, 0, 1_000),
            "idle for the whole idle period"
        );
        assert!(
            is_alive(LIFETIMES, 0, 9_500, 9_999),
            "active and young enough"
        );
        assert!(
            !is_alive(LIFETIMES, 0, 9_999, 10_000),
            "active but past its absolute end"
        );
    }
}
