//! Responses that outlive the request that started them (the live-update
//! stream, audit exports) hold the request's session, and stop when it
//! ends: a signed-out or expired session must not keep reading.

use super::Auth;
use std::sync::Arc;
use std::time::Duration;

/// How often a long-lived response checks that its session has not ended.
pub const SESSION_CHECK_EVERY: Duration = Duration::from_secs(5);

/// The session a request came with, for responses that outlive the
/// request's start (the live-update stream, exports): they stop when it ends.
#[derive(Clone)]
pub struct SessionWatch {
    auth: Arc<Auth>,
    id: String,
}

impl SessionWatch {
    /// Watches the session whose cookie value is `id`.
    pub(super) fn new(auth: Arc<Auth>, id: String) -> Self {
        Self { auth, id }
    }

    /// Whether the session is still alive (a database error counts as not).
    pub async fn alive(&self) -> bool {
        match self
            .auth
            .sessions
            .is_live(&self.id, self.auth.clock.now_ms())
            .await
        {
            Ok(alive) => alive,
            Err(error) => {
                tracing::warn!("could not check a session: {error:#}");
                false
            }
        }
    }

    /// A name for the session that is not its cookie value (for counting
    /// what a session holds open).
    pub fn session_key(&self) -> String {
        super::sessions::sha256(&self.id)
    }

    /// Resolves once the session has ended (checked every [`SESSION_CHECK_EVERY`]).
    pub async fn ended(self) {
        loop {
            tokio::time::sleep(SESSION_CHECK_EVERY).await;
            if !self.alive().await {
                return;
            }
        }
    }
}
