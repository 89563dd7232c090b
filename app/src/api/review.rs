//! One review: everything a reviewer needs to decide it, the part an open
//! page keeps live, and the workflow execution behind it.

use super::{AppError, ArtefactView, JsonAnswer};
use crate::domain::decision::RecordedDecision;
use crate::domain::history::HistoryEntry;
use crate::domain::intake::{ModelRef, OnReject};
use crate::domain::metrics::MetricComparison;
use crate::domain::review::{DeliveryState, ReviewStatus};
use leptos::server;
use serde::{Deserialize, Serialize};

/// One review with everything a reviewer needs to decide it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewDetail {
    /// Who asked for what, until when, and where the decision stands: what
    /// the page keeps live. Flattened: the JSON is one object, as before the
    /// split.
    #[serde(flatten)]
    pub summary: ReviewSummary,
    pub metrics: Vec<MetricComparison>,
    /// The workflow's context, pretty-printed.
    pub context_json: String,
    pub execution_arn: String,
    /// The execution in the Step Functions console, when there is a link.
    #[serde(default)]
    pub execution_url: Option<String>,
    pub state_name: String,
    pub entered_at_ms: i64,
}

/// The review a reviewer would take up after this one: the next pending
/// review in the queue's default order (nearest deadline first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextReview {
    pub id: String,
    pub title: String,
}

/// The part of a review that an open page keeps live, and fetches again
/// when the review changes (metrics and context are fixed at intake).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewSummary {
    pub now_ms: i64,
    pub id: String,
    pub title: String,
    pub model: ModelRef,
    pub requested_by: Option<String>,
    /// Who may decide, by the review's policy (besides leads); empty: any reviewer.
    pub reviewer_groups: Vec<String>,
    pub required_approvals: u32,
    /// The review's policy and where each part came from, a line each,
    /// the headline first.
    pub policy: Vec<String>,
    pub on_reject: OnReject,
    pub status: ReviewStatus,
    pub status_reason: Option<String>,
    pub received_at_ms: i64,
    pub deadline_ms: Option<i64>,
    pub decisions: Vec<RecordedDecision>,
    pub history: Vec<HistoryEntry>,
    pub delivery: Option<DeliveryView>,
    /// Why the person viewing may not approve, if they may not.
    pub cannot_approve: Option<String>,
    /// Why the person viewing may not reject, if they may not.
    pub cannot_reject: Option<String>,
    /// Whether the person viewing has approved it (and, while it is
    /// pending, may withdraw that approval).
    #[serde(default)]
    pub viewer_approved: bool,
    /// What to open next; `None` when no other review is pending.
    #[serde(default)]
    pub next_review: Option<NextReview>,
    /// The pending review before it in the queue (`k`); `None` when no
    /// other review is pending.
    #[serde(default)]
    pub previous_review: Option<NextReview>,
    /// The reviewer groups with the people known to be able to approve
    /// in each; empty when any reviewer may decide.
    #[serde(default)]
    pub deciders: Vec<GroupDeciders>,
}

/// A reviewer group and the people who signed in with it and could approve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupDeciders {
    pub group: String,
    /// Their e-mail (or name), most recently seen first.
    pub people: Vec<String>,
    /// How many more there are than are named.
    pub more: usize,
}

/// Where the decision is on its way to Step Functions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub state: DeliveryState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub updated_at_ms: i64,
}

/// The workflow execution as Step Functions reports it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionView {
    /// RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, …
    pub status: String,
    pub error: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<crate::ssr::ExecutionReading> for ExecutionView {
    fn from(reading: crate::ssr::ExecutionReading) -> Self {
        use crate::ssr::ExecutionReading;
        match reading {
            ExecutionReading::Reported { status, error } => ExecutionView {
                status: status.to_string(),
                error,
            },
            ExecutionReading::NoAnswer => ExecutionView {
                status: "UNKNOWN".into(),
                error: Some("Step Functions did not answer; try again shortly.".into()),
            },
            ExecutionReading::Missing => ExecutionView {
                status: "NOT_FOUND".into(),
                error: Some(NO_SUCH_EXECUTION.into()),
            },
        }
    }
}

/// What the page says when Step Functions knows no such execution.
#[cfg(feature = "ssr")]
const NO_SUCH_EXECUTION: &str = "Step Functions has no such execution: it forgets an execution \
    90 days after it ends, and sees only its own account and region.";

/// One review with its metrics, decisions and history. Viewers and up.
#[server(endpoint = "review", output = JsonAnswer)]
pub async fn get_review(id: String) -> Result<ReviewDetail, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            let actor = require(Role::Viewer)?;
            services()?
                .review_detail(&id, &actor)
                .await
                .map_err(AppError::internal)?
                .ok_or(AppError::NotFound)
        }
        .await,
    )
}

/// What the review page renders: the review, and its artefacts with links
/// or why they could not be prepared (the rest of the page is shown all
/// the same).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewPageData {
    pub detail: ReviewDetail,
    pub artefacts: Result<Vec<ArtefactView>, AppError>,
}

/// The review page's data from one read of the stored review. Not a server
/// function: the page is rendered on the server only, and an open page
/// asks for the parts that change on their own ([`get_review_summary`],
/// [`fresh_artefact_links`]). Viewers and up.
pub async fn review_page(id: String) -> Result<ReviewPageData, AppError> {
    #[cfg(feature = "ssr")]
    {
        use super::guard::{require, respond, services};
        use crate::domain::actor::Role;
        respond(
            async {
                let actor = require(Role::Viewer)?;
                let page = services()?
                    .review_page(&id, &actor)
                    .await
                    .map_err(AppError::internal)?
                    .ok_or(AppError::NotFound)?;
                Ok(ReviewPageData {
                    detail: page.detail,
                    artefacts: page.artefacts.map_err(AppError::internal),
                })
            }
            .await,
        )
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = id;
        Err(AppError::Transport(
            "the review page is rendered by the server".into(),
        ))
    }
}

/// Where one review stands now: what an open review page fetches again
/// when the review changes. Viewers and up.
#[server(endpoint = "review_summary", output = JsonAnswer)]
pub async fn get_review_summary(id: String) -> Result<ReviewSummary, AppError> {
    get_review(id).await.map(|detail| detail.summary)
}

/// The workflow execution's status as Step Functions reports it. Viewers and up.
#[server(endpoint = "execution", output = JsonAnswer)]
pub async fn get_execution(id: String) -> Result<ExecutionView, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            require(Role::Viewer)?;
            services()?
                .execution(&id)
                .await
                .map_err(AppError::internal)?
                .map(ExecutionView::from)
                .ok_or(AppError::NotFound)
        }
        .await,
    )
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::ssr::ExecutionReading;

    #[test]
    fn an_execution_step_functions_did_not_report_reads_unknown() {
        let unknown = ExecutionView::from(ExecutionReading::NoAnswer);
        assert_eq!(unknown.status, "UNKNOWN");
        assert_eq!(
            unknown.error.as_deref(),
            Some("Step Functions did not answer; try again shortly.")
        );
        let failed = ExecutionView::from(ExecutionReading::Reported {
            status: crate::domain::execution_status::ExecutionStatus::Failed,
            error: Some("States.Timeout".into()),
        });
        let missing = ExecutionView::from(ExecutionReading::Missing);
        assert_eq!(missing.status, "NOT_FOUND");
        assert!(missing.error.unwrap().contains("90 days"));
        assert_eq!(failed.status, "FAILED");
        assert_eq!(failed.error.as_deref(), Some("States.Timeout"));
        let later = ExecutionView::from(ExecutionReading::Reported {
            status: crate::domain::execution_status::ExecutionStatus::parse("PAUSED"),
            error: None,
        });
        assert_eq!(
            later.status, "PAUSED",
            "a status added later shows as named"
        );
    }
}
