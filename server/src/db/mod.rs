//! Storage adapters: the ports' implementations, one module per engine, and
//! [`connect`], which picks the engine by the database URL's scheme. SQLite
//! is the only engine so far; PostgreSQL (for several replicas) joins later
//! behind the same ports.

pub mod sqlite;
mod sqlx_error;
#[cfg(test)]
mod store_story;

pub use sqlite::SqliteStore;

use crate::auth::sessions::SessionStore;
use app::domain::audit::Broken;
use app::ssr::ports::{InteractionLedger, NotificationOutbox, People, ReviewStore};
use async_trait::async_trait;
use std::path::Path;
use std::sync::Arc;

/// What a prune removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub entries: usize,
    pub through_id: i64,
}

/// The audit chain as a whole, for the `signoff audit` commands (the
/// server appends through [`ReviewStore`]).
#[async_trait]
pub trait AuditChain: Send + Sync {
    /// Verifies the whole chain: how many entries were checked, or the
    /// first entry that breaks it.
    async fn verify(&self) -> anyhow::Result<Result<usize, Broken>>;
    /// Writes the entries older than `before_ms` to `out` as JSON Lines,
    /// then removes them, leaving a checkpoint the rest verifies from.
    async fn export_and_prune(
        &self,
        before_ms: i64,
        out: &Path,
        now_ms: i64,
    ) -> anyhow::Result<Option<Pruned>>;
}

/// The engines a database URL may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Sqlite,
}

/// Which engine `url` names: `sqlite:` (as `sqlite://signoff.db` or
/// `sqlite::memory:`), or no scheme at all (a file path, which sqlx has
/// always taken as SQLite's). The errors name only the scheme, never the
/// rest of the URL (it may hold a password).
fn engine(url: &str) -> anyhow::Result<Engine> {
    match scheme(url).map(str::to_ascii_lowercase).as_deref() {
        None | Some("sqlite") => Ok(Engine::Sqlite),
        Some("postgres" | "postgresql") => anyhow::bail!(
            "PostgreSQL is not supported yet: --database-url must be a SQLite database (sqlite://PATH)"
        ),
        Some(other) => anyhow::bail!(
            "--database-url names the scheme {other:?}, which Signoff does not know: use sqlite://PATH (or a file path)"
        ),
    }
}

/// The URL's scheme (RFC 3986: a letter, then letters, digits, `+`, `-` or
/// `.`, before the first `:`), if it has one.
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    (starts_with_letter && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .then_some(scheme)
}

/// What one database holds, behind its ports.
pub struct Stores {
    pub reviews: Arc<dyn ReviewStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub audit: Arc<dyn AuditChain>,
    pub notifications: Arc<dyn NotificationOutbox>,
    pub interactions: Arc<dyn InteractionLedger>,
    /// The people directory, written at each sign-in.
    pub people: Arc<dyn People>,
}

/// Opens (creating and migrating if need be) the database at `url`, with
/// the engine its scheme names.
pub async fn connect(url: &str) -> anyhow::Result<Stores> {
    match engine(url)? {
        Engine::Sqlite => {
            let store = SqliteStore::connect(url).await?;
            Ok(Stores {
                sessions: Arc::new(sqlite::SqliteSessions::new(store.pool())),
                audit: Arc::new(store.clone()),
                notifications: Arc::new(store.clone()),
                interactions: Arc::new(store.clone()),
                people: Arc::new(store.clone()),
                reviews: Arc::new(store),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_and_bare_paths_open_sqlite() {
        for url in [
            "sqlite://signoff.db",
            "sqlite:///var/lib/signoff/signoff.db",
            "SQLite://signoff.db",
            "sqlite::memory:",
            "signoff.db",
            "/var/lib/signoff/signoff.db",
            ":memory:",
        ] {
            assert_eq!(engine(url).ok(), Some(Engine::Sqlite), "{url}");
        }
    }

    #[test]
    fn postgres_urls_are_refused_as_not_supported_yet() {
        for url in [
            "postgres://signoff:hunter2@db/signoff",
            "postgresql://db/signoff",
        ] {
            let error = engine(url).expect_err(url).to_string();
            assert!(error.contains("PostgreSQL is not supported yet"), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
    }

    #[test]
    fn other_schemes_are_refused_naming_the_accepted_ones() {
        let error = engine("mysql://root:hunter2@db/signoff")
            .expect_err("mysql")
            .to_string();
        assert!(error.contains("\"mysql\""), "{error}");
        assert!(error.contains("sqlite://PATH"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }
}
