//! The review store on SQLite: one file, WAL mode, writes serialised by
//! `BEGIN IMMEDIATE` so concurrent deciders queue instead of failing.

mod audit;
pub mod audit_log;
mod audit_query;
mod decisions;
mod delivery;
mod indexed_sql;
mod interactions;
mod notifications;
mod overview;
mod people;
#[cfg(test)]
mod query_plans;
mod queue;
mod queue_query;
mod rejected;
mod reviews;
mod sessions;

pub use sessions::SqliteSessions;

use crate::db::sqlx_error::store_error;
use app::ssr::ports::{AuditRecord, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// The review store backed by a SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// Connections in the pool. Each is a thread of its own with its own page
/// cache; SQLite serialises writes anyway, and reads are short. Measured on
/// 2 cores at 100,000 pending reviews (docs/benchmarks.md): 8 connections
/// gave a queue p99 of 16 ms and a peak RSS of 124 MiB, 4 gave 13 ms and
/// 80 MiB.
const CONNECTIONS: u32 = 4;

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and migrates it.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let migrating = MigrationLock::take(options.get_filename()).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        drop(migrating);
        audit_log::seal_and_protect(&pool).await?;
        reviews::backfill_failing_thresholds(&pool).await?;
        Ok(Self { pool })
    }

    /// The connection pool: for the session rows, the benchmark's seeding
    /// and SQLite's own tests (query plans, trigger tampering).
    pub fn pool(&self) -> SqlitePool {
        self.pool.clone()
    }

    /// Appends many entries to the audit chain in one transaction: for
    /// importing history and for seeding the benchmark's million entries,
    /// where one transaction per entry would take minutes.
    pub async fn append_audit_batch(&self, entries: &[AuditRecord]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        for entry in entries {
            audit_log::append(&mut tx, entry, None).await?;
        }
        tx.commit().await.map_err(store_error)
    }

    /// A write transaction that takes SQLite's write lock up front, so two
    /// writers wait for each other rather than deadlocking on upgrade.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)
    }
}

/// Servers opening one SQLite file at the same moment (replicas started
/// together) would each apply the same migration: sqlx locks nothing on
/// SQLite. Each holds this lock, an exclusive lock on a file beside the
/// database, while it migrates, so they take turns and the later ones find
/// the schema applied.
struct MigrationLock(Option<std::fs::File>);

impl MigrationLock {
    async fn take(database: &std::path::Path) -> anyhow::Result<Self> {
        // An in-memory database is one process's own.
        if database.as_os_str().is_empty() || database == std::path::Path::new(":memory:") {
            return Ok(Self(None));
        }
        let mut path = database.as_os_str().to_owned();
        path.push(".migrating");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        let file = tokio::task::spawn_blocking(move || file.lock().map(|()| file)).await??;
        Ok(Self(Some(file)))
    }
}

impl Drop for MigrationLock {
    fn drop(&mut self) {
        // Closing the file would release it too; this says so.
        if let Some(file) = &self.0 {
            let _ = file.unlock();
        }
    }
}

crate::db::forward_review_store!(SqliteStore);

/// Trigram indexes need three characters; shorter terms cannot use them.
const MIN_INDEXED_CHARS: usize = 3;

/// Whether `text` is long enough for a trigram index.
fn indexed(text: &str) -> bool {
    text.chars().count() >= MIN_INDEXED_CHARS
}

/// `text` as an FTS5 phrase (with trigrams: a substring, any case).
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}
