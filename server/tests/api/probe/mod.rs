//! The probe: everything the integration tests ask a server's database
//! directly, or set up in it, by name (`reviews_stored()`,
//! `delivery_of(id)`, `age_sessions(by_ms)`), never as SQL in a test.
//!
//! Why it exists: the suites are to run on a second engine (PostgreSQL,
//! later) unchanged, so exactly one place may know which engine holds the
//! data. What the product's own ports answer (the audit chain's verify,
//! sessions) goes through those ports, opened from the database URL as the
//! server opens them; what only a row can tell (how many reviews were
//! stored, what a delivery holds, the task token a test compares with what
//! reached the emulator) is plain SQL here, written to run on either engine:
//! lower-case standard SQL, `$n` placeholders (which sqlx takes on SQLite as
//! on PostgreSQL), integers for times. Each engine is an [`Engine`]
//! variant with its arms in `open`, `rows` and `change` below (and in the
//! row types' `FromRow` bound).
//! What only SQLite has (its triggers, its full-text index) stays out of
//! here, in `sqlite_only`.

mod audit;
mod notifications;
mod people;
mod reviews;
mod sessions;

pub use notifications::StoredNotification;
pub use reviews::{ReviewKeys, StoredDelivery};

use app::ssr::ports::People;
use server::auth::sessions::SessionStore;
use server::db::AuditChain;
use sqlx::postgres::{PgArguments, PgPool, PgRow};
use sqlx::sqlite::{SqliteArguments, SqlitePool, SqliteRow};
use sqlx::{Arguments, FromRow};
use std::sync::Arc;

/// A server's database as the tests see it (see the module doc).
pub struct Probe {
    engine: Engine,
    /// The audit chain's port on the same database.
    chain: Arc<dyn AuditChain>,
    /// The session rows' port on the same database.
    sessions: Arc<dyn SessionStore>,
    /// The people directory's port on the same database.
    people: Arc<dyn People>,
}

/// The engine the probe's SQL runs on.
enum Engine {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A value for a `$n` placeholder.
#[derive(Clone, Copy)]
enum Arg<'a> {
    Text(&'a str),
    Int(i64),
}

impl Probe {
    /// Opens the database at `database_url` (already made and migrated by
    /// the server that uses it), with the engine its scheme names.
    pub async fn open(database_url: &str) -> Self {
        let stores = server::db::connect(database_url)
            .await
            .expect("the database's ports open");
        Self {
            engine: Engine::open(database_url).await,
            chain: stores.audit,
            sessions: stores.sessions,
            people: stores.people,
        }
    }

    /// Every row `sql` selects, as tuples (or row structs).
    async fn rows<T>(&self, sql: &str, args: &[Arg<'_>]) -> Vec<T>
    where
        T: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
    {
        match &self.engine {
            Engine::Sqlite(pool) => {
                sqlx::query_as_with(sql, sqlite_args(args))
                    .fetch_all(pool)
                    .await
            }
            Engine::Postgres(pool) => {
                sqlx::query_as_with(sql, postgres_args(args))
                    .fetch_all(pool)
                    .await
            }
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The one row `sql` selects (its first, if it selects several).
    async fn row<T>(&self, sql: &str, args: &[Arg<'_>]) -> T
    where
        T: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
    {
        let rows = self.rows(sql, args).await;
        rows.into_iter()
            .next()
            .unwrap_or_else(|| panic!("no row: {sql}"))
    }

    /// The number a `select count(*) …` (or another single integer) gives.
    async fn count(&self, sql: &str, args: &[Arg<'_>]) -> i64 {
        let (count,): (i64,) = self.row(sql, args).await;
        count
    }

    /// Runs a set-up statement; returns how many rows it changed.
    async fn change(&self, sql: &str, args: &[Arg<'_>]) -> u64 {
        match &self.engine {
            Engine::Sqlite(pool) => sqlx::query_with(sql, sqlite_args(args))
                .execute(pool)
                .await
                .map(|done| done.rows_affected()),
            Engine::Postgres(pool) => sqlx::query_with(sql, postgres_args(args))
                .execute(pool)
                .await
                .map(|done| done.rows_affected()),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

impl Engine {
    async fn open(database_url: &str) -> Self {
        let scheme = database_url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Engine::Sqlite(
                SqlitePool::connect(database_url)
                    .await
                    .expect("the probe's connection"),
            ),
            "postgres" | "postgresql" => Engine::Postgres(
                PgPool::connect(database_url)
                    .await
                    .expect("the probe's connection"),
            ),
            other => panic!("the probe knows no engine for the scheme {other:?}"),
        }
    }
}

fn sqlite_args<'q>(args: &[Arg<'_>]) -> SqliteArguments<'q> {
    let mut bound = SqliteArguments::default();
    for arg in args {
        match *arg {
            Arg::Text(text) => bound.add(text.to_owned()),
            Arg::Int(number) => bound.add(number),
        }
        .expect("a text or an integer binds");
    }
    bound
}

fn postgres_args(args: &[Arg<'_>]) -> PgArguments {
    let mut bound = PgArguments::default();
    for arg in args {
        match *arg {
            Arg::Text(text) => bound.add(text.to_owned()),
            Arg::Int(number) => bound.add(number),
        }
        .expect("a text or an integer binds");
    }
    bound
}
