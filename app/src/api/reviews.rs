//! Server functions for the queue and single reviews.

use super::{
    AppError, ArtefactLink, ArtefactView, BulkOutcome, DecisionReceipt, ExecutionView, JsonAnswer,
    PreflightRow, PreviewAnswer, QueueSnapshot, ReviewDetail, ReviewSummary,
};
use crate::domain::decision::Verdict;
use leptos::server;

/// One page of the queue. `query` is the queue page's query string (`q`,
/// `model`, `group`, `priority`, `status`, `failing`, `sort`, `after`); by
/// default (or when left out) the pending reviews, nearest deadline first.
/// Viewers and up.
#[server(endpoint = "queue", output = JsonAnswer)]
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

/// Where one review stands now: what an open review page fetches again
/// when the review changes. Viewers and up.
#[server(endpoint = "review_summary", output = JsonAnswer)]
pub async fn get_review_summary(id: String) -> Result<ReviewSummary, AppError> {
    get_review(id).await.map(|detail| detail.summary)
}

/// The review's artefacts with presigned links (audited once per person,
/// object and link window) and how each previews. Viewers and up.
#[server(endpoint = "artefacts", output = JsonAnswer)]
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

/// Fresh links for the review's artefacts, in the review's order (`None`
/// where an artefact has no link), each issue audited: what an open page
/// asks for once its links have expired. Viewers and up.
#[server(endpoint = "artefact_links", output = JsonAnswer)]
pub async fn fresh_artefact_links(id: String) -> Result<Vec<Option<ArtefactLink>>, AppError> {
    artefact_links(id)
        .await
        .map(|views| views.iter().map(ArtefactView::link).collect())
}

/// The preview of the review's artefact at `position` (text, JSON or CSV,
/// capped), or why there is none: what the review page asks for once it is
/// shown. Viewers and up.
#[server(endpoint = "artefact_preview", output = JsonAnswer)]
pub async fn artefact_preview(id: String, position: usize) -> Result<PreviewAnswer, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            let actor = require(Role::Viewer)?;
            let outcome = services()?
                .artefact_preview(&id, position, &actor)
                .await
                .map_err(AppError::internal)?
                .ok_or(AppError::NotFound)?;
            Ok(PreviewAnswer {
                html: outcome
                    .preview
                    .map(|preview| crate::components::preview_html(&outcome.label, preview)),
                problem: outcome.problem,
            })
        }
        .await,
    )
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

/// Most reviews one bulk decision may cover: a page of the queue.
pub const BULK_LIMIT: usize = 50;

/// What deciding these reviews would meet: each one's model, thresholds,
/// requester, and why this person's decision would be refused, if it
/// would. Changes nothing. Viewers and up.
#[server(endpoint = "preflight", output = JsonAnswer)]
pub async fn preflight_decisions(
    #[server(default)] ids: Vec<String>,
    verdict: Verdict,
) -> Result<Vec<PreflightRow>, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            let actor = require(Role::Viewer)?;
            check_bulk_size(&ids)?;
            services()?
                .preflight(&actor, &ids, verdict)
                .await
                .map_err(AppError::internal)
        }
        .await,
    )
}

/// Decides several reviews at once: each is decided, audited and delivered
/// on its own, every policy applied per review, and each answered
/// separately. A rejection needs its reason up front.
#[server(endpoint = "decide_many", output = JsonAnswer)]
pub async fn decide_many(
    #[server(default)] ids: Vec<String>,
    verdict: Verdict,
    comment: String,
) -> Result<Vec<BulkOutcome>, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    use crate::domain::decision::Refusal;
    respond(
        async {
            let actor = require(Role::Viewer)?;
            check_bulk_size(&ids)?;
            if verdict == Verdict::Reject && comment.trim().is_empty() {
                return Err(AppError::Invalid(Refusal::ReasonRequired.to_string()));
            }
            let outcomes = services()?
                .decide_many(&actor, &ids, verdict, &comment)
                .await;
            Ok(outcomes
                .into_iter()
                .map(|(id, result)| BulkOutcome::of(id, result))
                .collect())
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn check_bulk_size(ids: &[String]) -> Result<(), AppError> {
    match ids.len() {
        0 => Err(AppError::Invalid("Select at least one review.".into())),
        n if n > BULK_LIMIT => Err(AppError::Invalid(format!(
            "At most {BULK_LIMIT} reviews at once; {n} were sent."
        ))),
        _ => Ok(()),
    }
}
