//! Server functions for the queue and single reviews.

use super::{AppError, DecisionReceipt, ExecutionView, QueueSnapshot, ReviewDetail};
use crate::domain::decision::Verdict;
use leptos::server;

/// The pending reviews, nearest deadline first. Viewers and up.
#[server(endpoint = "queue")]
pub async fn list_queue() -> Result<QueueSnapshot, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            require(Role::Viewer)?;
            services()?.queue().await.map_err(AppError::internal)
        }
        .await,
    )
}

/// One review with its metrics, decisions and history. Viewers and up.
#[server(endpoint = "review")]
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

/// The workflow execution's status as Step Functions reports it. Viewers and up.
#[server(endpoint = "execution")]
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
                .ok_or(AppError::NotFound)
        }
        .await,
    )
}

/// Approves or rejects a review: reviewers and up, within the review's
/// reviewer group, never one's own request; a rejection needs a reason.
#[server(endpoint = "decide")]
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
                .map_err(|error| match error {
                    DecideError::NotFound => AppError::NotFound,
                    DecideError::NotAllowed(why) => AppError::Forbidden(why.to_string()),
                    DecideError::Refused(
                        refusal @ (Refusal::ReasonRequired | Refusal::CommentTooLong),
                    ) => AppError::Invalid(refusal.to_string()),
                    DecideError::Refused(refusal) => AppError::Refused(refusal.to_string()),
                    DecideError::Store(error) => AppError::internal(error),
                })
        }
        .await,
    )
}
