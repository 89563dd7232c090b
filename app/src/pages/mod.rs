//! One module per route.

mod audit;
mod bench_bare;
mod notifications;
mod overview;
mod queue;
mod rejected_intake;
mod review;
mod settings;

pub use audit::AuditLogPage;
pub use bench_bare::BareBenchPage;
pub use notifications::NotificationsPage;
pub use overview::OverviewPage;
pub use queue::QueuePage;
pub use rejected_intake::RejectedIntakePage;
pub use review::ReviewPage;
pub use settings::SettingsPage;
