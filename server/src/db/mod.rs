//! Storage adapters: the ports' implementations, one module per engine, and
//! [`connect`], which picks the engine by the database URL's scheme: SQLite
//! for the single binary, PostgreSQL for several replicas on one database.

mod chain_walk;
pub mod change_signal;
mod outbox_rows;
pub mod postgres;
#[cfg(test)]
mod replica_story;
mod rows;
pub mod sqlite;
mod sqlx_error;
#[cfg(test)]
mod store_story;
#[cfg(test)]
mod test_databases;
mod text_keys;

pub use sqlite::SqliteStore;

use crate::auth::sessions::SessionStore;
use app::domain::audit::Broken;
use app::ssr::ports::{InteractionLedger, NotificationOutbox, People, ReviewStore};
use async_trait::async_trait;
use std::path::Path;
use std::sync::Arc;

/// The review port of an engine's store, method by method: each forwards
/// to the inherent method of the same name, in the engine's module of its
/// concern (reviews, decisions, delivery, audit, queue, rejected). One list
/// for every engine, so none can leave a method out.
macro_rules! forward_review_store {
    ($store:ident) => {
        #[async_trait::async_trait]
        impl app::ssr::ports::ReviewStore for $store {
            async fn insert_review(
                &self,
                review: &app::ssr::ports::NewReview,
                audit: &app::ssr::ports::AuditRecord,
            ) -> Result<app::ssr::ports::Inserted, app::ssr::ports::StoreError> {
                $store::insert_review(self, review, audit).await
            }

            async fn record_rejected_intake(
                &self,
                intake: &app::ssr::ports::NewRejectedIntake,
                audit: &app::ssr::ports::AuditRecord,
            ) -> Result<app::ssr::ports::RejectedIntakeStatus, app::ssr::ports::StoreError> {
                $store::record_rejected_intake(self, intake, audit).await
            }

            async fn mark_intake_notified(
                &self,
                id: &str,
            ) -> Result<(), app::ssr::ports::StoreError> {
                $store::mark_intake_notified(self, id).await
            }

            async fn rejected_intake(
                &self,
                limit: u32,
            ) -> Result<
                Vec<app::domain::rejected_intake::RejectedIntake>,
                app::ssr::ports::StoreError,
            > {
                $store::rejected_intake(self, limit).await
            }

            async fn queue_page(
                &self,
                query: &app::domain::queue_query::QueueQuery,
                now_ms: i64,
                limit: u32,
            ) -> Result<Vec<app::ssr::ports::QueueRow>, app::ssr::ports::StoreError> {
                $store::queue_page(self, query, now_ms, limit).await
            }

            async fn queue_titles(
                &self,
                query: &app::domain::queue_query::QueueQuery,
                now_ms: i64,
                limit: u32,
            ) -> Result<Vec<(String, String)>, app::ssr::ports::StoreError> {
                $store::queue_titles(self, query, now_ms, limit).await
            }

            async fn last_audit_id(&self) -> Result<i64, app::ssr::ports::StoreError> {
                $store::last_audit_id(self).await
            }

            async fn review_changes_after(
                &self,
                after_id: i64,
                limit: u32,
            ) -> Result<Vec<app::domain::history::ReviewChange>, app::ssr::ports::StoreError> {
                $store::review_changes_after(self, after_id, limit).await
            }

            async fn pending_count(&self, now_ms: i64) -> Result<u64, app::ssr::ports::StoreError> {
                $store::pending_count(self, now_ms).await
            }

            async fn review(
                &self,
                id: &str,
            ) -> Result<Option<app::ssr::ports::StoredReview>, app::ssr::ports::StoreError> {
                $store::review(self, id).await
            }

            async fn audit_entries(
                &self,
                filter: &app::domain::audit_filter::AuditFilter,
                before_id: Option<i64>,
                limit: u32,
            ) -> Result<Vec<app::ssr::ports::AuditListing>, app::ssr::ports::StoreError> {
                $store::audit_entries(self, filter, before_id, limit).await
            }

            async fn known_values(
                &self,
                limit: u32,
            ) -> Result<app::ssr::ports::KnownValues, app::ssr::ports::StoreError> {
                $store::known_values(self, limit).await
            }

            async fn history(
                &self,
                review_id: &str,
            ) -> Result<Vec<app::domain::history::HistoryEntry>, app::ssr::ports::StoreError> {
                $store::history(self, review_id).await
            }

            async fn commit_decision(
                &self,
                commit: &app::ssr::ports::DecisionCommit,
            ) -> Result<app::ssr::ports::Committed, app::ssr::ports::StoreError> {
                $store::commit_decision(self, commit).await
            }

            async fn withdraw_approval(
                &self,
                commit: &app::ssr::ports::WithdrawalCommit,
            ) -> Result<bool, app::ssr::ports::StoreError> {
                $store::withdraw_approval(self, commit).await
            }

            async fn claim_deliveries(
                &self,
                now_ms: i64,
                lease_ms: i64,
                limit: u32,
            ) -> Result<Vec<app::ssr::ports::DeliveryJob>, app::ssr::ports::StoreError> {
                $store::claim_deliveries(self, now_ms, lease_ms, limit).await
            }

            async fn finish_delivery(
                &self,
                review_id: &str,
                outcome: &app::ssr::ports::DeliveryOutcome,
                now_ms: i64,
                audit: Option<&app::ssr::ports::AuditRecord>,
            ) -> Result<(), app::ssr::ports::StoreError> {
                $store::finish_delivery(self, review_id, outcome, now_ms, audit).await
            }

            async fn stuck_deliveries(
                &self,
                queued_before_ms: i64,
                limit: u32,
            ) -> Result<Vec<app::ssr::ports::StuckDelivery>, app::ssr::ports::StoreError> {
                $store::stuck_deliveries(self, queued_before_ms, limit).await
            }

            async fn notice_stuck_delivery(
                &self,
                review_id: &str,
                queued_before_ms: i64,
                audit: &app::ssr::ports::AuditRecord,
            ) -> Result<bool, app::ssr::ports::StoreError> {
                $store::notice_stuck_delivery(self, review_id, queued_before_ms, audit).await
            }

            async fn pending_at_least(
                &self,
                now_ms: i64,
                ages: &[i64],
                filter: &app::domain::overview_stats::OverviewFilter,
            ) -> Result<Vec<u32>, app::ssr::ports::StoreError> {
                $store::pending_at_least(self, now_ms, ages, filter).await
            }

            async fn oldest_pending(
                &self,
                received_by_ms: i64,
                limit: u32,
                filter: &app::domain::overview_stats::OverviewFilter,
            ) -> Result<Vec<(String, String, i64)>, app::ssr::ports::StoreError> {
                $store::oldest_pending(self, received_by_ms, limit, filter).await
            }

            async fn decisions_since(
                &self,
                since_ms: i64,
                filter: &app::domain::overview_stats::OverviewFilter,
            ) -> Result<Vec<(String, String, i64)>, app::ssr::ports::StoreError> {
                $store::decisions_since(self, since_ms, filter).await
            }

            async fn decided_since(
                &self,
                since_ms: i64,
                filter: &app::domain::overview_stats::OverviewFilter,
            ) -> Result<Vec<app::domain::overview_stats::Decided>, app::ssr::ports::StoreError>
            {
                $store::decided_since(self, since_ms, filter).await
            }

            async fn models_and_groups(
                &self,
            ) -> Result<(Vec<String>, Vec<String>), app::ssr::ports::StoreError> {
                $store::models_and_groups(self).await
            }

            async fn record(
                &self,
                entry: &app::ssr::ports::AuditRecord,
            ) -> Result<(), app::ssr::ports::StoreError> {
                $store::record(self, entry).await
            }

            async fn record_all(
                &self,
                entries: &[app::ssr::ports::AuditRecord],
            ) -> Result<(), app::ssr::ports::StoreError> {
                $store::record_all(self, entries).await
            }

            async fn record_unless_recent(
                &self,
                entry: &app::ssr::ports::AuditRecord,
                window_ms: i64,
            ) -> Result<(), app::ssr::ports::StoreError> {
                $store::record_unless_recent(self, entry, window_ms).await
            }

            async fn expire_overdue(
                &self,
                now_ms: i64,
                closing: &app::ssr::ports::Closing,
            ) -> Result<Vec<String>, app::ssr::ports::StoreError> {
                $store::expire_overdue(self, now_ms, closing).await
            }

            async fn close_review(
                &self,
                review_id: &str,
                closing: &app::ssr::ports::Closing,
                now_ms: i64,
            ) -> Result<bool, app::ssr::ports::StoreError> {
                $store::close_review(self, review_id, closing, now_ms).await
            }

            async fn claim_reviews_to_check(
                &self,
                now_ms: i64,
                checked_before_ms: i64,
                turn_ms: i64,
                limit: u32,
            ) -> Result<Vec<(String, String)>, app::ssr::ports::StoreError> {
                $store::claim_reviews_to_check(self, now_ms, checked_before_ms, turn_ms, limit)
                    .await
            }

            async fn mark_checked(
                &self,
                review_id: &str,
                now_ms: i64,
            ) -> Result<(), app::ssr::ports::StoreError> {
                $store::mark_checked(self, review_id, now_ms).await
            }

            async fn pending_reviews_of(
                &self,
                execution_arn: &str,
            ) -> Result<Vec<String>, app::ssr::ports::StoreError> {
                $store::pending_reviews_of(self, execution_arn).await
            }

            async fn claim_heartbeats(
                &self,
                now_ms: i64,
                lease_ms: i64,
                limit: u32,
            ) -> Result<Vec<app::ssr::ports::HeartbeatJob>, app::ssr::ports::StoreError> {
                $store::claim_heartbeats(self, now_ms, lease_ms, limit).await
            }

            async fn heartbeat_sent(
                &self,
                review_id: &str,
                now_ms: i64,
            ) -> Result<(), app::ssr::ports::StoreError> {
                $store::heartbeat_sent(self, review_id, now_ms).await
            }
        }
    };
}
pub(crate) use forward_review_store;

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
    Postgres,
}

/// Which engine `url` names: `sqlite:` (as `sqlite://signoff.db` or
/// `sqlite::memory:`), or no scheme at all (a file path, which sqlx has
/// always taken as SQLite's). The errors name only the scheme, never the
/// rest of the URL (it may hold a password).
fn engine(url: &str) -> anyhow::Result<Engine> {
    match scheme(url).map(str::to_ascii_lowercase).as_deref() {
        None | Some("sqlite") => Ok(Engine::Sqlite),
        Some("postgres" | "postgresql") => Ok(Engine::Postgres),
        Some(other) => anyhow::bail!(
            "--database-url names the scheme {other:?}, which Signoff does not know: use sqlite://PATH (or a file path) or postgres://USER@HOST/DATABASE"
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
    /// What wakes the live pages' change feed.
    pub changes: Arc<dyn change_signal::ChangeSignal>,
}

/// Opens (creating and migrating if need be) the database at `url`, with
/// the engine its scheme names.
pub async fn connect(url: &str) -> anyhow::Result<Stores> {
    match engine(url)? {
        Engine::Sqlite => {
            let store = SqliteStore::connect(url).await?;
            Ok(Stores {
                sessions: Arc::new(sqlite::SqliteSessions::new(store.pool())),
                changes: Arc::new(change_signal::Polling),
                audit: Arc::new(store.clone()),
                notifications: Arc::new(store.clone()),
                interactions: Arc::new(store.clone()),
                people: Arc::new(store.clone()),
                reviews: Arc::new(store),
            })
        }
        Engine::Postgres => {
            let store = postgres::PostgresStore::connect(url).await?;
            Ok(Stores {
                sessions: Arc::new(postgres::PostgresSessions::new(store.pool())),
                changes: Arc::new(change_signal::Notified::new(store.pool())),
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
    fn postgres_urls_open_postgresql() {
        for url in [
            "postgres://signoff:hunter2@db/signoff",
            "postgresql://db/signoff",
            "PostgreSQL://db/signoff",
        ] {
            assert_eq!(engine(url).ok(), Some(Engine::Postgres), "{url}");
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
