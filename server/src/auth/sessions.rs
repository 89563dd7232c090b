//! Server-side sessions and in-flight logins, in the application database.
//! The browser holds only a random session id; its SHA-256 is the key here.
//! A session keeps the groups the provider sent at sign-in, not a role: the
//! role is derived from them and the current role map on every request, so
//! a changed role map applies at once. The rules (lifetimes, how often
//! activity is recorded, which logins are void) are [`Sessions`]'; the rows
//! are behind [`SessionStore`], which a database adapter implements.

use app::domain::access::RoleMap;
use app::domain::actor::Actor;
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;

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

/// A session to store: the key, the person as signed in, their ID token
/// (for the provider's logout) and when it ends at the latest.
pub struct NewSession<'a> {
    pub id_sha256: &'a str,
    pub actor: &'a Actor,
    pub id_token: Option<&'a str>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

/// A stored session, as the service reads it.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub usernames: Vec<String>,
    pub display_name: String,
    pub groups: Vec<String>,
    pub created_at_ms: i64,
    pub last_seen_at_ms: i64,
}

/// The session and login-attempt rows. Only the server signs people in, so
/// the port lives here rather than among the use cases' ports in `app`.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session (the role at sign-in goes with it, for the
    /// record only: requests derive theirs).
    async fn insert_session(&self, session: &NewSession<'_>) -> Result<(), StoreError>;
    async fn session(&self, id_sha256: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// `(created_at_ms, last_seen_at_ms)` of a session, if there is one.
    async fn session_times(&self, id_sha256: &str) -> Result<Option<(i64, i64)>, StoreError>;
    async fn touch_session(&self, id_sha256: &str, now_ms: i64) -> Result<(), StoreError>;
    /// Removes a session; returns its ID token, if it had one.
    async fn delete_session(&self, id_sha256: &str) -> Result<Option<String>, StoreError>;
    /// Removes sessions that expire by `expires_by_ms` or were last seen by
    /// `last_seen_by_ms`; returns how many.
    async fn delete_sessions_ended(
        &self,
        expires_by_ms: i64,
        last_seen_by_ms: i64,
    ) -> Result<u64, StoreError>;
    async fn delete_attempts_before(&self, created_before_ms: i64) -> Result<(), StoreError>;
    async fn insert_attempt(&self, attempt: &LoginAttempt) -> Result<(), StoreError>;
    /// Removes and returns the attempt with this `state` (once: a replay
    /// finds nothing), however old.
    async fn take_attempt(&self, state: &str) -> Result<Option<LoginAttempt>, StoreError>;
}

/// Sessions and in-flight logins, by the rules above, over a [`SessionStore`].
#[derive(Clone)]
pub struct Sessions {
    store: Arc<dyn SessionStore>,
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

impl Sessions {
    pub fn new(store: Arc<dyn SessionStore>, lifetimes: Lifetimes) -> Self {
        Self { store, lifetimes }
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
        self.store
            .insert_session(&NewSession {
                id_sha256: &sha256(&id),
                actor,
                id_token,
                created_at_ms: now_ms,
                expires_at_ms: now_ms + self.lifetimes.absolute_ms,
            })
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
        let Some(row) = self.store.session(&key).await? else {
            return Ok(None);
        };
        let role = role_map.role_for(&row.groups);
        let alive = is_alive(
            self.lifetimes,
            row.created_at_ms,
            row.last_seen_at_ms,
            now_ms,
        );
        let Some(role) = role.filter(|_| alive) else {
            if alive {
                tracing::info!(subject = %row.subject, groups = ?row.groups, "the role map gives this session's groups no role now; ending it");
            }
            self.store.delete_session(&key).await?;
            return Ok(None);
        };
        if now_ms - row.last_seen_at_ms >= TOUCH_EVERY_MS {
            self.store.touch_session(&key, now_ms).await?;
        }
        Ok(Some(Actor {
            subject: row.subject,
            email: row.email,
            email_verified: row.email_verified,
            usernames: row.usernames,
            display_name: row.display_name,
            role,
            groups: row.groups,
        }))
    }

    /// Whether the session is still alive, without counting this as
    /// activity (an open live-update stream must not keep it from idling).
    pub async fn is_live(&self, id: &str, now_ms: i64) -> anyhow::Result<bool> {
        let times = self.store.session_times(&sha256(id)).await?;
        Ok(times.is_some_and(|(created, seen)| is_alive(self.lifetimes, created, seen, now_ms)))
    }

    /// Removes sessions that have ended (idle too long or past their
    /// absolute end) and logins never finished; returns the sessions removed.
    pub async fn sweep(&self, now_ms: i64) -> anyhow::Result<u64> {
        let removed = self
            .store
            .delete_sessions_ended(now_ms, now_ms - self.lifetimes.idle_ms)
            .await?;
        self.store
            .delete_attempts_before(now_ms - LOGIN_ATTEMPT_TTL_MS)
            .await?;
        Ok(removed)
    }

    /// Ends a session; returns its ID token for the provider's logout.
    pub async fn end(&self, id: &str) -> anyhow::Result<Option<String>> {
        Ok(self.store.delete_session(&sha256(id)).await?)
    }

    pub async fn save_attempt(&self, attempt: &LoginAttempt) -> anyhow::Result<()> {
        self.store
            .delete_attempts_before(attempt.created_at_ms - LOGIN_ATTEMPT_TTL_MS)
            .await?;
        self.store.insert_attempt(attempt).await?;
        Ok(())
    }

    /// Takes the attempt with this `state` (once: a replay finds nothing),
    /// if it has not expired.
    pub async fn take_attempt(
        &self,
        state: &str,
        now_ms: i64,
    ) -> anyhow::Result<Option<LoginAttempt>> {
        Ok(self
            .store
            .take_attempt(state)
            .await?
            .filter(|attempt| now_ms - attempt.created_at_ms < LOGIN_ATTEMPT_TTL_MS))
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
