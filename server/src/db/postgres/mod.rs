//! The review store on PostgreSQL, for several replicas on one database.
//! Row locks and compare-and-set keep one decision per review, a
//! transaction-scoped advisory lock keeps one audit chain (see
//! [`audit_log`]), and `FOR UPDATE SKIP LOCKED` lets replicas claim the
//! outboxes side by side. Rows read into the same structs as SQLite's
//! ([`crate::db::rows`]).

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

pub use sessions::PostgresSessions;

use crate::db::sqlx_error::store_error;
use app::ssr::ports::{AuditRecord, StoreError};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, Transaction};
use std::time::Duration;

/// Advisory lock keys, one per thing the replicas take turns at: ASCII
/// "signof" and a number, unlikely to be any other tool's.
const CHAIN_LOCK: i64 = 0x7369_676e_6f66_0001;
/// See [`CHAIN_LOCK`]: notification claims.
const NOTIFICATION_CLAIM_LOCK: i64 = 0x7369_676e_6f66_0002;

/// The review store backed by a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

/// Connections each replica keeps. PostgreSQL runs each in a process of its
/// own; a few per replica leave room for several replicas under the
/// server's default limit of 100.
const CONNECTIONS: u32 = 8;

impl PostgresStore {
    /// Connects to the database at `url` and migrates it. sqlx holds an
    /// advisory lock while migrating, so replicas starting together take
    /// turns and each finds the schema whole.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    /// The connection pool: for the session rows and the tests of this
    /// engine's own details (query plans, the append-only trigger).
    pub fn pool(&self) -> PgPool {
        self.pool.clone()
    }

    /// Appends many entries to the audit chain in one transaction, as
    /// [`crate::db::SqliteStore::append_audit_batch`] does.
    pub async fn append_audit_batch(&self, entries: &[AuditRecord]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for entry in entries {
            audit_log::append(&mut tx, entry, None).await?;
        }
        tx.commit().await.map_err(store_error)
    }

    /// A transaction. Unlike SQLite's, it locks nothing up front: rows are
    /// locked as statements touch them, and the audit chain when an entry
    /// is appended ([`audit_log::append`], always after the rows, so two
    /// writers never wait for each other in opposite orders).
    async fn begin(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(store_error)
    }
}

crate::db::forward_review_store!(PostgresStore);
