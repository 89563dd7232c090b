//! Storage adapters: the [`app::ssr::ports::ReviewStore`] implementations.
//! SQLite is the default; PostgreSQL joins for several replicas.

pub mod audit_log;
mod audit_query;
mod rows;
mod sqlite;

pub use sqlite::SqliteStore;
