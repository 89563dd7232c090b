//! How the change feed learns that the audit log may have grown: SQLite
//! has no way to say, so the feed looks again after a short wait; on
//! PostgreSQL every append notifies a channel (a trigger of migration
//! 0001), which wakes the feed on every replica at once. Either way the
//! feed then reads by cursor, so a wake-up lost (a reconnect) loses
//! nothing, only time.

use async_trait::async_trait;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::Mutex;

/// Wakes the change feed.
#[async_trait]
pub trait ChangeSignal: Send + Sync {
    /// Returns when an entry may have been appended since the last call, or
    /// after the engine's longest wait.
    async fn changed(&self);
}

/// How long the feed waits between looks on an engine that cannot tell.
const POLL: Duration = Duration::from_millis(500);

/// SQLite's: every half second.
pub struct Polling;

#[async_trait]
impl ChangeSignal for Polling {
    async fn changed(&self) {
        tokio::time::sleep(POLL).await;
    }
}

/// The channel migration 0001's trigger notifies on every append.
pub const CHANNEL: &str = "signoff_audit";

/// The longest the feed waits for a notification on PostgreSQL before it
/// looks anyway (a notification lost while reconnecting costs this much).
const NOTIFIED_AT_MOST: Duration = Duration::from_secs(5);

/// PostgreSQL's: woken by `NOTIFY`, on a connection of its own.
pub struct Notified {
    pool: PgPool,
    listener: Mutex<Option<PgListener>>,
}

impl Notified {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            listener: Mutex::new(None),
        }
    }
}

#[async_trait]
impl ChangeSignal for Notified {
    async fn changed(&self) {
        let mut listener = self.listener.lock().await;
        if listener.is_none() {
            match listen(&self.pool).await {
                Ok(listening) => *listener = Some(listening),
                Err(error) => {
                    tracing::warn!("cannot listen for changes, polling: {error}");
                    tokio::time::sleep(POLL).await;
                    return;
                }
            }
        }
        let Some(listening) = listener.as_mut() else {
            return;
        };
        match tokio::time::timeout(NOTIFIED_AT_MOST, listening.try_recv()).await {
            // Woken, or the wait ran out: either way, look.
            Ok(Ok(Some(_))) | Err(_) => {}
            // The connection dropped (sqlx reconnects on the next call):
            // what was appended meanwhile is found by the cursor.
            Ok(Ok(None)) => tracing::info!("the change listener reconnects"),
            Ok(Err(error)) => {
                tracing::warn!("listening for changes failed: {error}");
                *listener = None;
                tokio::time::sleep(POLL).await;
            }
        }
    }
}

async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
