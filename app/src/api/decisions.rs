//! Deciding one review, and the decider's answer: the service's outcome
//! in words.

use super::{AppError, JsonAnswer};
use crate::domain::decision::Verdict;
use crate::domain::review::{DeliveryState, ReviewStatus};
use leptos::server;
use serde::{Deserialize, Serialize};

/// The answer to a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionReceipt {
    pub status: ReviewStatus,
    pub message: String,
    /// Where the answer for Step Functions stood when the decider was
    /// answered (`queued` when it was slow); none while approvals are missing.
    pub delivery: Option<DeliveryState>,
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

/// Approves or rejects a review: reviewers and up, within the review's
/// reviewer group, never one's own request; a rejection needs a reason.
#[server(endpoint = "decide", output = JsonAnswer)]
pub async fn decide_review(
    id: String,
    verdict: Verdict,
    comment: String,
) -> Result<DecisionReceipt, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    use crate::domain::decision::Refusal;
    use crate::ssr::DecideError;
    respond(
        async {
            // Viewers pass here so the decision policy can tell them why not.
            let actor = require(Role::Viewer)?;
            services()?
                .decide(&actor, &id, verdict, &comment)
                .await
                .map(DecisionReceipt::from)
                .map_err(|error| match error {
                    DecideError::NotFound => AppError::NotFound,
                    DecideError::NotAllowed(why) => AppError::Forbidden(why.to_string()),
                    DecideError::Refused(
                        refusal @ (Refusal::ReasonRequired
                        | Refusal::CommentTooLong
                        | Refusal::AnswerTooLarge(_)),
                    ) => AppError::Invalid(refusal.to_string()),
                    DecideError::Refused(refusal) => AppError::Refused(refusal.to_string()),
                    DecideError::Store(error) => AppError::internal(error),
                })
        }
        .await,
    )
}

/// Takes back one's own approval of a review that still waits for more
/// approvals (an optional reason is audited with it). Reviewers and up.
#[server(endpoint = "withdraw", output = JsonAnswer)]
pub async fn withdraw_approval(
    id: String,
    #[server(default)] reason: String,
) -> Result<String, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    use crate::domain::decision::Refusal;
    use crate::ssr::DecideError;
    respond(
        async {
            let actor = require(Role::Reviewer)?;
            services()?
                .withdraw_approval(&actor, &id, &reason)
                .await
                .map(|()| {
                    "Your approval is withdrawn; the review waits for approvals again.".to_owned()
                })
                .map_err(|error| match error {
                    DecideError::NotFound => AppError::NotFound,
                    DecideError::NotAllowed(why) => AppError::Forbidden(why.to_string()),
                    DecideError::Refused(refusal @ Refusal::CommentTooLong) => {
                        AppError::Invalid(refusal.to_string())
                    }
                    DecideError::Refused(refusal) => AppError::Refused(refusal.to_string()),
                    DecideError::Store(error) => AppError::internal(error),
                })
        }
        .await,
    )
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::ssr::Decided;

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
}
