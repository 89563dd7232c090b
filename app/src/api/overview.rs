//! The lead's overview of a period: pending reviews by age, decisions per
//! reviewer, time to a decision.

use super::{AppError, JsonAnswer};
use crate::domain::overview_stats::{DayCount, TimeBucket, WeekShare};
use leptos::server;
use serde::{Deserialize, Serialize};

/// The lead's overview of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewView {
    /// Today and the `period_days - 1` UTC days before it.
    pub period_days: u32,
    pub target_minutes: i64,
    pub target_ms: i64,
    /// The filters in force (blank ones dropped), which apply to the
    /// decisions, the median and the charts.
    pub model: Option<String>,
    pub group: Option<String>,
    /// What the filters offer: every model and reviewer group named so far.
    pub models: Vec<String>,
    pub groups: Vec<String>,
    /// Pending reviews per age bucket, youngest first.
    pub pending_by_age: Vec<(String, u32)>,
    pub due_soon: u32,
    /// How many pending reviews are past the target.
    pub overdue_count: u32,
    /// The oldest of them (at most [`crate::domain::sla::OVERDUE_NAMED`]),
    /// oldest first: `(id, title, age_ms)`.
    pub overdue: Vec<(String, String, i64)>,
    /// `(reviewer, approvals, rejections)` in the period, busiest first.
    pub decisions_by_reviewer: Vec<(String, u32, u32)>,
    /// Reviews decided in the period, and the median time they took.
    pub decided: u32,
    pub median_time_to_decision_ms: Option<i64>,
    /// Reviews decided per UTC day of the period, oldest first.
    pub per_day: Vec<DayCount>,
    /// How long the period's decided reviews took, in buckets.
    pub time_buckets: Vec<TimeBucket>,
    /// The share decided within the target per ISO week, oldest first.
    pub per_week: Vec<WeekShare>,
}

/// The lead's overview of the last `days` days (default 30), of one model
/// and/or reviewer group or all. Leads and admins.
#[server(endpoint = "overview", output = JsonAnswer)]
pub async fn get_overview(
    days: Option<u32>,
    model: Option<String>,
    group: Option<String>,
) -> Result<OverviewView, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    use crate::domain::overview_stats::OverviewFilter;
    respond(
        async {
            require(Role::Lead)?;
            let days = days.unwrap_or(30).clamp(1, 366);
            let filter = OverviewFilter::new(model, group);
            services()?
                .overview(days, &filter)
                .await
                .map_err(AppError::internal)
        }
        .await,
    )
}
