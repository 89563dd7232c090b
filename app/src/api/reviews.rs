//! Server functions for the queue and single reviews.

use super::{AppError, ArtefactView, DecisionReceipt, ExecutionView, QueueSnapshot, ReviewDetail};
use crate::domain::decision::Verdict;
use leptos::server;

/// One page of the queue. `query` is the queue page's query string (`q`,
/// `model`, `group`, `priority`, `status`, `failing`, `sort`, `after`); by
/// default (or when left out) the pending reviews, nearest deadline first.
/// Viewers and up.
#[server(endpoint = "queue")]
pub async fn list_queue(#[server(default)] query: String) -> Result<QueueSnapshot, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    use crate::domain::queue_query::parse_queue_query;
    respond(
        async {
            require(Role::Viewer)?;
            let pairs: Vec<(String, String)> =
                form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
                    .into_owned()
                    .collect();
            let query = parse_queue_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .map_err(AppError::Invalid)?;
            services()?.queue(&query).await.map_err(AppError::internal)
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

/// The review's artefacts with freshly presigned links (each one audited)
/// and small previews. Viewers and up.
#[server(endpoint = "artefacts")]
pub async fn artefact_links(id: String) -> Result<Vec<ArtefactView>, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            let actor = require(Role::Viewer)?;
            services()?
                .artefact_links(&id, &actor)
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
