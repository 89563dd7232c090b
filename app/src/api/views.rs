//! What server functions send to the browser. Built on the server from the
//! stored review; none of these types can hold a task token.

use crate::domain::decision::RecordedDecision;
use crate::domain::history::HistoryEntry;
use crate::domain::intake::{ModelRef, OnReject, Priority};
use crate::domain::metrics::{format_delta_with_arrow, format_value, Check, MetricComparison};
use crate::domain::review::{DeliveryState, ReviewStatus};
use serde::{Deserialize, Serialize};

/// One page of the queue, as filtered and sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSnapshot {
    /// The server's clock when the page was built; ages are relative to it.
    pub now_ms: i64,
    pub items: Vec<QueueItem>,
    /// Every review waiting for a decision, whatever the filters.
    pub pending: u64,
    /// Whether the query narrows the default view (all pending reviews).
    pub filtered: bool,
    /// The `after` cursor of the next page; `None` on the last page.
    pub next_after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: String,
    pub title: String,
    pub model_name: String,
    pub model_version: String,
    /// As the workflow claims it; `None` when its policy let it name nobody.
    pub requested_by: Option<String>,
    /// Who may decide, by the review's policy (besides leads); empty: any reviewer.
    pub reviewer_groups: Vec<String>,
    pub priority: Priority,
    pub received_at_ms: i64,
    pub deadline_ms: Option<i64>,
    /// The first few metrics that have a baseline or a threshold.
    pub key_metrics: Vec<MetricChipView>,
    pub failing_thresholds: usize,
    pub approvals: u32,
    pub required_approvals: u32,
}

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
    pub state_name: String,
    pub entered_at_ms: i64,
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
}

/// An artefact as the review page offers it: a link to open or download,
/// a preview when it is small enough, or why there is neither.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtefactView {
    pub label: String,
    /// As the workflow sent it (`s3://…` or `https://…`).
    pub uri: String,
    /// A presigned S3 link (valid until `expires_at_ms`) or the https link.
    pub href: Option<String>,
    pub expires_at_ms: Option<i64>,
    /// Whether the link downloads (true) or opens in the browser.
    pub download: bool,
    pub size_bytes: Option<u64>,
    /// How it previews on the page, if it does.
    pub preview: Option<PreviewKind>,
    /// Why there is no link: a bucket Signoff does not open, a missing
    /// bucket or object, no access, S3 down.
    pub problem: Option<String>,
}

/// How an artefact previews on the review page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreviewKind {
    /// An image, shown through its link.
    Image,
    /// Text, JSON or CSV: read and formatted on the server, fetched by the
    /// page once it is shown (`/api/artefact_preview`).
    Fetched,
}

/// What `/api/artefact_preview` answers: the preview as HTML (rendered,
/// and so escaped, on the server: the browser bundle needs no code to lay
/// out a table), or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewAnswer {
    pub html: Option<String>,
    pub problem: Option<String>,
}

impl ArtefactView {
    /// The link alone, when there is one.
    pub fn link(&self) -> Option<ArtefactLink> {
        self.href.clone().map(|href| ArtefactLink {
            href,
            expires_at_ms: self.expires_at_ms,
            download: self.download,
        })
    }
}

/// An artefact's link without the rest: what the page's link island holds,
/// and what it asks for again once a presigned link has expired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtefactLink {
    pub href: String,
    pub expires_at_ms: Option<i64>,
    /// Whether the link downloads (true) or opens in the browser.
    pub download: bool,
}

/// A metric as a queue row shows it, formatted on the server: the queue's
/// island then needs no number formatting of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricChipView {
    pub name: String,
    /// The value, as the review page's table prints it.
    pub value: String,
    /// Arrow and signed change against baseline (`▲ +0.007`), if there is one.
    pub delta: Option<String>,
    /// Whether the change is for the better (`Some(true)`), the worse, or neither.
    pub improved: Option<bool>,
    /// Whether the metric fails its threshold.
    pub failing: bool,
}

impl MetricChipView {
    pub fn of(metric: &MetricComparison) -> Self {
        MetricChipView {
            name: metric.name.clone(),
            value: format_value(metric.value),
            delta: metric.delta.map(format_delta_with_arrow),
            improved: metric.improved(),
            failing: metric.check == Check::Fail,
        }
    }
}

/// One review in a bulk decision's pre-flight table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreflightRow {
    pub id: String,
    pub title: String,
    /// `name vN`.
    pub model: String,
    /// e.g. `1 of 2 thresholds fail.`
    pub thresholds: String,
    pub failing_thresholds: usize,
    pub requested_by: Option<String>,
    /// Why this person's decision would be refused, if it would.
    pub blocked: Option<String>,
}

/// How one review of a bulk decision went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub id: String,
    pub decided: bool,
    /// The receipt's message, or why it was refused.
    pub message: String,
}

/// One audit entry as leads read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub id: i64,
    pub at_ms: i64,
    pub actor: String,
    pub actor_role: Option<String>,
    pub action: String,
    pub review_id: Option<String>,
    pub detail: Option<String>,
}

/// A page of audit entries, newest first, and where the next page starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before_id` for the next (older) page; `None` at the end.
    pub next_before_id: Option<i64>,
}

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

/// The running configuration as admins see it (never a secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsView {
    /// The approval policy file; `None`: each request sets its own rules.
    pub policy: Option<PolicyFileView>,
    /// The ID token claims compared with a review's requester.
    pub username_claims: Vec<String>,
    pub public_url: String,
    pub oidc_issuer: String,
    pub oidc_client_id: String,
    pub groups_claim: String,
    /// `(group, role)` pairs.
    pub role_map: Vec<(String, String)>,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    pub intake_queue_url: Option<String>,
    /// `None` means real AWS.
    pub aws_endpoint: Option<String>,
    /// How long a presigned artefact link stays valid.
    pub artefact_link_minutes: u64,
    /// The buckets (and key prefixes) whose artefacts Signoff opens;
    /// `None`: any its role can read.
    pub artefact_buckets: Option<Vec<String>>,
    pub database: String,
}

/// The approval policy file as the settings page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyFileView {
    pub file: String,
    /// The file's SHA-256.
    pub version: String,
    /// `(name, what it covers and asks)`, in the order they are tried.
    pub rules: Vec<(String, String)>,
}

/// The signed-in person, for the page header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub name: String,
    pub email: Option<String>,
    pub role: crate::domain::actor::Role,
}

/// Where the decision is on its way to Step Functions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub state: DeliveryState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub updated_at_ms: i64,
}

/// The answer to a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionReceipt {
    pub status: ReviewStatus,
    pub message: String,
    /// Where the answer for Step Functions stood when the decider was
    /// answered (`queued` when it was slow); none while approvals are missing.
    pub delivery: Option<DeliveryState>,
}

/// The workflow execution as Step Functions reports it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionView {
    /// RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, …
    pub status: String,
    pub error: Option<String>,
}

/// The decider's answer: the outcome in words.
#[cfg(feature = "ssr")]
impl From<crate::ssr::Decided> for DecisionReceipt {
    fn from(decided: crate::ssr::Decided) -> Self {
        use crate::ssr::Decided;
        match decided {
            Decided::AwaitingApprovals { have, need } => DecisionReceipt {
                status: ReviewStatus::Pending,
                message: format!(
                    "Approval recorded ({have} of {need}); the review needs another reviewer."
                ),
                delivery: None,
            },
            Decided::Final { status, delivery } => {
                let verb = if status == ReviewStatus::Approved {
                    "Approved"
                } else {
                    "Rejected"
                };
                let message = match delivery {
                    DeliveryState::Delivered => format!("{verb}. Step Functions has the decision."),
                    DeliveryState::Closed => format!("{verb}, but the workflow's task was already closed."),
                    DeliveryState::Failed => format!("{verb}, but Step Functions refused the answer; the review page says why."),
                    DeliveryState::Queued => format!("{verb}. The decision is queued for delivery to Step Functions; Signoff keeps sending it until it gets through."),
                };
                DecisionReceipt {
                    status,
                    message,
                    delivery: Some(delivery),
                }
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl BulkOutcome {
    /// One review's line of a bulk decision: the receipt's words, or why
    /// it was not decided (a database failure is logged by the service).
    pub fn of(id: String, result: Result<crate::ssr::Decided, crate::ssr::DecideError>) -> Self {
        use crate::ssr::DecideError;
        let (decided, message) = match result {
            Ok(decided) => (true, DecisionReceipt::from(decided).message),
            Err(DecideError::NotFound) => (false, "There is no such review.".into()),
            Err(DecideError::NotAllowed(why)) => (false, why.to_string()),
            Err(DecideError::Refused(refusal)) => (false, refusal.to_string()),
            Err(DecideError::Store(_)) => (
                false,
                "Not recorded: the database failed. Try this one again.".into(),
            ),
        };
        BulkOutcome {
            id,
            decided,
            message,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::ssr::ExecutionReading> for ExecutionView {
    fn from(reading: crate::ssr::ExecutionReading) -> Self {
        use crate::ssr::ExecutionReading;
        match reading {
            ExecutionReading::Reported { status, error } => ExecutionView { status, error },
            ExecutionReading::NoAnswer => ExecutionView {
                status: "UNKNOWN".into(),
                error: Some("Step Functions did not answer; try again shortly.".into()),
            },
        }
    }
}

/// What leads read of each entry: not the hashes, nor the actor's subject.
#[cfg(feature = "ssr")]
impl From<crate::ssr::AuditEntries> for AuditPage {
    fn from(page: crate::ssr::AuditEntries) -> Self {
        let entries = page
            .entries
            .into_iter()
            .map(|entry| AuditEntryView {
                id: entry.id,
                at_ms: entry.content.at_ms,
                actor: entry.content.actor,
                actor_role: entry.content.actor_role,
                action: entry.content.action,
                review_id: entry.content.review_id,
                detail: entry.content.detail,
            })
            .collect();
        AuditPage {
            entries,
            next_before_id: page.next_before_id,
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::access::NotAllowed;
    use crate::domain::decision::Refusal;
    use crate::ssr::{DecideError, Decided, ExecutionReading};

    fn final_message(status: ReviewStatus, delivery: DeliveryState) -> String {
        let receipt = DecisionReceipt::from(Decided::Final { status, delivery });
        assert_eq!(receipt.status, status);
        assert_eq!(receipt.delivery, Some(delivery));
        receipt.message
    }

    #[test]
    fn a_partial_approval_says_how_many_it_has_and_needs() {
        let receipt = DecisionReceipt::from(Decided::AwaitingApprovals { have: 1, need: 2 });
        assert_eq!(receipt.status, ReviewStatus::Pending);
        assert_eq!(receipt.delivery, None);
        assert_eq!(
            receipt.message,
            "Approval recorded (1 of 2); the review needs another reviewer."
        );
    }

    #[test]
    fn a_final_decision_is_worded_by_its_verdict_and_where_its_answer_stands() {
        use DeliveryState::*;
        use ReviewStatus::*;
        assert_eq!(
            final_message(Approved, Delivered),
            "Approved. Step Functions has the decision."
        );
        assert_eq!(
            final_message(Rejected, Closed),
            "Rejected, but the workflow's task was already closed."
        );
        assert_eq!(
            final_message(Approved, Failed),
            "Approved, but Step Functions refused the answer; the review page says why."
        );
        assert_eq!(
            final_message(Rejected, Queued),
            "Rejected. The decision is queued for delivery to Step Functions; Signoff keeps \
             sending it until it gets through."
        );
    }

    #[test]
    fn a_bulk_line_carries_the_receipt_or_why_not() {
        let id = || "r1".to_owned();
        let decided = BulkOutcome::of(
            id(),
            Ok(Decided::Final {
                status: ReviewStatus::Approved,
                delivery: DeliveryState::Delivered,
            }),
        );
        assert!(decided.decided);
        assert_eq!(decided.id, "r1");
        assert_eq!(
            decided.message,
            "Approved. Step Functions has the decision."
        );

        let missing = BulkOutcome::of(id(), Err(DecideError::NotFound));
        assert!(!missing.decided);
        assert_eq!(missing.message, "There is no such review.");

        let own = BulkOutcome::of(id(), Err(NotAllowed::OwnRequest.into()));
        assert!(!own.decided);
        assert_eq!(own.message, NotAllowed::OwnRequest.to_string());

        let twice = BulkOutcome::of(id(), Err(Refusal::AlreadyApproved.into()));
        assert!(!twice.decided);
        assert_eq!(twice.message, Refusal::AlreadyApproved.to_string());
    }

    #[test]
    fn an_execution_step_functions_did_not_report_reads_unknown() {
        let unknown = ExecutionView::from(ExecutionReading::NoAnswer);
        assert_eq!(unknown.status, "UNKNOWN");
        assert_eq!(
            unknown.error.as_deref(),
            Some("Step Functions did not answer; try again shortly.")
        );
        let failed = ExecutionView::from(ExecutionReading::Reported {
            status: "FAILED".into(),
            error: Some("States.Timeout".into()),
        });
        assert_eq!(failed.status, "FAILED");
        assert_eq!(failed.error.as_deref(), Some("States.Timeout"));
    }
}
