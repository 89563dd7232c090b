//! PostgreSQL: the session and login-attempt rows behind
//! [`crate::auth::sessions::SessionStore`]. Lifetimes, activity and roles
//! are the session service's; this only reads and writes rows.

use crate::auth::sessions::{LoginAttempt, NewSession, SessionRecord, SessionStore};
use crate::db::rows::SessionRow;
use crate::db::sqlx_error::{encode_error, store_error};
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use sqlx::PgPool;

/// The session rows in the application's SQLite database.
#[derive(Clone)]
pub struct PostgresSessions {
    pool: PgPool,
}

impl PostgresSessions {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl SessionStore for PostgresSessions {
    async fn insert_session(&self, session: &NewSession<'_>) -> Result<(), StoreError> {
        let actor = session.actor;
        let json =
            |list: &[String], what| serde_json::to_string(list).map_err(|e| encode_error(what, e));
        sqlx::query(
            "insert into session (id_sha256, subject, email, email_verified, usernames_json,
                display_name, role, groups_json, id_token, created_at, last_seen_at, expires_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
             from session where id_sha256 = $1",
        )
        .bind(id_sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(SessionRow::into_record).transpose()
    }

    async fn session_times(&self, id_sha256: &str) -> Result<Option<(i64, i64)>, StoreError> {
        sqlx::query_as("select created_at, last_seen_at from session where id_sha256 = $1")
            .bind(id_sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn touch_session(&self, id_sha256: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("update session set last_seen_at = $1 where id_sha256 = $2")
            .bind(now_ms)
            .bind(id_sha256)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn delete_session(&self, id_sha256: &str) -> Result<Option<String>, StoreError> {
        let token: Option<(Option<String>,)> =
            sqlx::query_as("delete from session where id_sha256 = $1 returning id_token")
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
            sqlx::query("delete from session where expires_at <= $1 or last_seen_at <= $2")
                .bind(expires_by_ms)
                .bind(last_seen_by_ms)
                .execute(&self.pool)
                .await
                .map_err(store_error)?
                .rows_affected(),
        )
    }

    async fn delete_attempts_before(&self, created_before_ms: i64) -> Result<(), StoreError> {
        sqlx::query("delete from login_attempt where created_at < $1")
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
             values ($1, $2, $3, $4, $5, $6)",
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
            "delete from login_attempt where state = $1
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
