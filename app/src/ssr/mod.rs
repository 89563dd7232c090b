//! Server-side half of the application (feature `ssr`): the ports the
//! `server` crate implements (store, workflow, clock) and the use cases that
//! run over them. Services are `Arc<dyn Port>` in one [`Services`] value,
//! provided to every server function as Leptos context.

mod artefacts;
mod auto_approval;
mod bulk;
pub mod chat_decisions;
pub mod deciders;
mod decisions;
mod delivery;
mod intake;
pub mod link_ledger;
pub mod notifications;
pub mod outcome_recorder;
mod overview;
pub mod pending_count;
pub mod ports;
mod queries;
mod review_page;
mod stuck_deliveries;
mod watch;

pub use artefacts::PreviewOutcome;
pub use bulk::{Preflight, PreflightReview};
pub use decisions::{DecideError, Decided, Via};
pub use delivery::DeliveryReport;
pub use intake::{IntakeOutcome, IntakeSource};
pub use queries::{AuditEntries, ExecutionReading};
pub use review_page::ReviewPage;
pub use watch::ClockReport;

use crate::domain::artefact::buckets::ArtefactBuckets;
use crate::domain::metrics::DirectionRules;
use crate::domain::policy::Policies;
use ports::{Clock, NotificationOutbox, ObjectStore, ReviewStore, Workflow};
use std::sync::Arc;

/// Everything the use cases need, cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn ReviewStore>,
    pub workflow: Arc<dyn Workflow>,
    pub objects: Arc<dyn ObjectStore>,
    pub clock: Arc<dyn Clock>,
    /// The notification outbox, read by the admins' notifications page.
    pub notifications: Arc<dyn NotificationOutbox>,
    /// Which artefact links each person holds, so reloads are not audited again.
    pub links: Arc<link_ledger::LinkLedger>,
    /// Writes the outcomes of the deciders' delivery attempts; the server's
    /// shutdown waits for it.
    pub recorder: outcome_recorder::OutcomeRecorder,
    /// The pending count every queue page shows, remembered between pages.
    pub pending: Arc<pending_count::PendingCount>,
    /// Who has signed in with which group, for "who can decide".
    pub directory: Arc<deciders::GroupDirectory>,
    pub settings: Settings,
}

/// Tunables of the use cases.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a claimed delivery is reserved for its sender before another
    /// sender may take it over (a crash mid-send must not strand it).
    pub delivery_lease_ms: i64,
    /// The team's target time to a decision, for the lead's overview.
    pub review_target_ms: i64,
    /// How long a presigned artefact link stays valid.
    pub artefact_link_ms: i64,
    /// Which way is better for named metrics.
    pub metric_directions: DirectionRules,
    /// The platform's approval rules (the configuration file); `None`:
    /// each request sets its own.
    pub policies: Option<Arc<Policies>>,
    /// The buckets (and key prefixes) whose artefacts Signoff opens;
    /// `None`: any its role can read (`--artefact-buckets`).
    pub artefact_buckets: Option<Arc<ArtefactBuckets>>,
    /// Serve `/bench/bare`, the benchmark's page without data
    /// (`--bench-bare-page`).
    pub bench_bare_page: bool,
    /// Where an execution opens in the console, `{region}` and `{arn}`
    /// filled in (`--execution-console-url`); blank: no link.
    pub execution_console_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            delivery_lease_ms: 30_000,
            review_target_ms: 4 * 3_600_000,
            artefact_link_ms: 10 * 60_000,
            metric_directions: DirectionRules::default(),
            policies: None,
            artefact_buckets: None,
            bench_bare_page: false,
            execution_console_url: crate::domain::console_link::DEFAULT_TEMPLATE.to_owned(),
        }
    }
}
