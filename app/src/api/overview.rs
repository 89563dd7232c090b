//! The lead's overview of a period: pending reviews by age, decisions per
//! reviewer, time to a decision.

use super::{AppError, JsonAnswer};
use leptos::server;
use serde::{Deserialize, Serialize};

/// The lead's overview of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewView {
    pub period_days: u32,
    pub target_minutes: i64,
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
}

/// The lead's overview of the last `days` days (default 30). Leads and admins.
#[server(endpoint = "overview", output = JsonAnswer)]
pub async fn get_overview(days: Option<u32>) -> Result<OverviewView, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            require(Role::Lead)?;
            let days = days.unwrap_or(30).clamp(1, 366);
            services()?.overview(days).await.map_err(AppError::internal)
        }
        .await,
    )
}
