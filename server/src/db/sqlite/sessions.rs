//! SQLite: the session and login-attempt rows behind
//! [`crate::auth::sessions::SessionStore`]. Lifetimes, activity and roles
//! are the session service's; this only reads and writes rows.

use crate::auth::sessions::{LoginAttempt, NewSession, SessionRecord, SessionStore};
use crate::db::rows::SessionRow;
use crate::db::sqlx_error::{encode_error, store_error};
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use sqlx::SqlitePool;

/// The session rows in the application's SQLite database.
#[derive(Clone)]
pub struct SqliteSessions {
    pool: SqlitePool,
}

impl SqliteSessions {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl SessionStore for SqliteSessions {
    async fn insert_session(&self, session: &NewSession<'_>) -> Result<(), StoreError> {
        let actor = session.actor;
        let json =
            |list: &[String], what| serde_json::to_string(list).map_err(|e| encode_error(what, e));
        sqlx::query(
            "insert into session (id_sha256, subject, email, email_verified, usernames_json,
                display_name, role, groups_json, id_token, created_at, last_seen_at, expires_at)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(session.id_sha256)
        .bind(&actor.subject)
        .bind(&actor.email)
        .bind(actor.email_verified)
        .bind(json(&actor.usernames, "usernames")?)
        .bind(&actor.display_name)
        .bind(actor.role.as_str())
        .bind(json(&actor.groups, "groups")?)
        .bind(session.id_token)
        .bind(session.created_at_ms)
        .bind(session.created_at_ms)
        .bind(session.expires_at_ms)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn session(&self, id_sha256: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row: Option<SessionRow> = sqlx::query_as(
            "select subject, email, email_verified, usernames_json, display_name, groups_json,
                created_at, last_seen_at
             from session where id_sha256 = ?",
        )
        .bind(id_sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(SessionRow::into_record).transpose()
    }

    async fn session_times(&self, id_sha256: &str) -> Result<Option<(i64, i64)>, StoreError> {
        sqlx::query_as("select created_at, last_seen_at from session where id_sha256 = ?")
            .bind(id_sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn touch_session(&self, id_sha256: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("update session set last_seen_at = ? where id_sha256 = ?")
            .bind(now_ms)
            .bind(id_sha256)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn delete_session(&self, id_sha256: &str) -> Result<Option<String>, StoreError> {
        let token: Option<(Option<String>,)> =
            sqlx::query_as("delete from session where id_sha256 = ? returning id_token")
                .bind(id_sha256)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(token.and_then(|(t,)| t))
    }

    async fn delete_sessions_ended(
        &self,
        expires_by_ms: i64,
        last_seen_by_ms: i64,
    ) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("delete from session where expires_at <= ? or last_seen_at <= ?")
                .bind(expires_by_ms)
                .bind(last_seen_by_ms)
                .execute(&self.pool)
                .await
                .map_err(store_error)?
                .rows_affected(),
        )
    }

    async fn delete_attempts_before(&self, created_before_ms: i64) -> Result<(), StoreError> {
        sqlx::query("delete from login_attempt where created_at < ?")
            .bind(created_before_ms)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn insert_attempt(&self, attempt: &LoginAttempt) -> Result<(), StoreError> {
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
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn take_attempt(&self, state: &str) -> Result<Option<LoginAttempt>, StoreError> {
        let row: Option<(String, String, String, i64, String)> = sqlx::query_as(
            "delete from login_attempt where state = ?
             returning nonce, pkce_verifier, return_to, created_at, browser_secret_sha256",
        )
        .bind(state)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(row.map(
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
    use crate::auth::sessions::{Lifetimes, Sessions};
    use crate::db::SqliteStore;
    use app::domain::access::RoleMap;
    use app::domain::actor::{Actor, Role};
    use std::sync::Arc;

    /// The session service over SQLite rows in a scratch file.
    async fn sessions(dir: &std::path::Path) -> Sessions {
        let url = format!("sqlite://{}", dir.join("sessions.db").display());
        let store = SqliteStore::connect(&url).await.expect("a database");
        Sessions::new(
            Arc::new(SqliteSessions::new(store.pool())),
            Lifetimes {
                idle_ms: 3_600_000,
                absolute_ms: 7_200_000,
            },
        )
    }

    fn ada() -> Actor {
        Actor {
            subject: "user-ada".into(),
            email: Some("ada@example.com".into()),
            email_verified: true,
            usernames: vec!["ada".into()],
            display_name: "Ada".into(),
            role: Role::Reviewer,
            groups: vec!["ml-reviewers".into()],
        }
    }

    #[tokio::test]
    async fn a_session_round_trips_through_its_rows_and_ends_once() {
        let dir = std::env::temp_dir().join(format!("signoff-sessions-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let sessions = sessions(&dir).await;
        let roles = RoleMap::parse("ml-reviewers=reviewer").expect("a role map");
        let id = sessions
            .create(&ada(), Some("id-token"), 1_000)
            .await
            .expect("a session");
        let actor = sessions
            .actor(&id, 2_000, &roles)
            .await
            .expect("read")
            .expect("alive");
        assert_eq!(actor.subject, "user-ada");
        assert_eq!(actor.usernames, ["ada"]);
        assert_eq!(actor.groups, ["ml-reviewers"]);
        assert_eq!(actor.role, Role::Reviewer);
        assert!(sessions.is_live(&id, 2_000).await.expect("read"));
        assert!(!sessions
            .is_live(&id, 1_000 + 7_200_000)
            .await
            .expect("read"));
        assert_eq!(
            sessions.end(&id).await.expect("ended").as_deref(),
            Some("id-token")
        );
        assert_eq!(sessions.end(&id).await.expect("ended"), None);
        assert!(sessions
            .actor(&id, 2_000, &roles)
            .await
            .expect("read")
            .is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_login_attempt_is_taken_once() {
        let dir = std::env::temp_dir().join(format!("signoff-sessions-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let sessions = sessions(&dir).await;
        let attempt = LoginAttempt {
            state: "state-1".into(),
            nonce: "nonce".into(),
            pkce_verifier: "verifier".into(),
            return_to: "/reviews/1".into(),
            created_at_ms: 1_000,
            browser_secret_sha256: "hash".into(),
        };
        sessions.save_attempt(&attempt).await.expect("saved");
        let taken = sessions
            .take_attempt("state-1", 2_000)
            .await
            .expect("read")
            .expect("there");
        assert_eq!(taken.return_to, "/reviews/1");
        assert!(sessions
            .take_attempt("state-1", 2_000)
            .await
            .expect("read")
            .is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
