//! Deciding several reviews at once: the pre-flight table, and a line per
//! review of what became of its decision.

use super::{AppError, JsonAnswer};
use crate::domain::decision::Verdict;
use leptos::server;
use serde::{Deserialize, Serialize};

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

#[cfg(feature = "ssr")]
impl From<crate::ssr::Preflight> for PreflightRow {
    fn from(preflight: crate::ssr::Preflight) -> Self {
        use crate::domain::metrics::threshold_summary;
        use crate::ssr::Preflight;
        match preflight {
            Preflight::Missing { id } => Self {
                title: id.clone(),
                id,
                model: String::new(),
                thresholds: String::new(),
                failing_thresholds: 0,
                requested_by: None,
                blocked: Some("There is no such review.".into()),
            },
            Preflight::Found(review) => Self {
                id: review.id,
                title: review.title,
                model: format!("{} v{}", review.model.name, review.model.version),
                thresholds: threshold_summary(review.with_threshold, review.failing_thresholds),
                failing_thresholds: review.failing_thresholds,
                requested_by: review.requested_by,
                blocked: review.blocked,
            },
        }
    }
}

/// How one review of a bulk decision went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub id: String,
    pub decided: bool,
    /// Not decided because something broke (the database), not because a
    /// rule refused it: worth trying again.
    #[serde(default)]
    pub failed: bool,
    /// The receipt's message, or why it was refused.
    pub message: String,
}

#[cfg(feature = "ssr")]
impl BulkOutcome {
    /// One review's line of a bulk decision: the receipt's words, or why
    /// it was not decided (a database failure is logged by the service).
    pub fn of(id: String, result: Result<crate::ssr::Decided, crate::ssr::DecideError>) -> Self {
        use crate::ssr::DecideError;
        let refused = |message: String| (false, false, message);
        let (decided, failed, message) = match result {
            Ok(decided) => (true, false, super::DecisionReceipt::from(decided).message),
            Err(DecideError::NotFound) => refused("There is no such review.".into()),
            Err(DecideError::NotAllowed(why)) => refused(why.to_string()),
            Err(DecideError::Refused(refusal)) => refused(refusal.to_string()),
            Err(DecideError::Store(_)) => (
                false,
                true,
                "Not recorded: the database failed. Try this one again.".into(),
            ),
        };
        BulkOutcome {
            id,
            decided,
            failed,
            message,
        }
    }
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
            let found = services()?
                .preflight(&actor, &ids, verdict)
                .await
                .map_err(AppError::internal)?;
            Ok(found.into_iter().map(PreflightRow::from).collect())
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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::access::NotAllowed;
    use crate::domain::decision::Refusal;
    use crate::domain::review::{DeliveryState, ReviewStatus};
    use crate::ssr::ports::StoreError;
    use crate::ssr::{DecideError, Decided};

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

        assert!(!decided.failed);

        let missing = BulkOutcome::of(id(), Err(DecideError::NotFound));
        assert!(!missing.decided);
        assert!(!missing.failed);
        assert_eq!(missing.message, "There is no such review.");

        let own = BulkOutcome::of(id(), Err(NotAllowed::OwnRequest.into()));
        assert!(!own.decided);
        assert_eq!(own.message, NotAllowed::OwnRequest.to_string());

        let twice = BulkOutcome::of(id(), Err(Refusal::AlreadyApproved.into()));
        assert!(!twice.decided);
        assert_eq!(twice.message, Refusal::AlreadyApproved.to_string());
        assert!(!twice.failed);

        let broken = BulkOutcome::of(
            id(),
            Err(DecideError::Store(StoreError::Conflict("lost".into()))),
        );
        assert!(!broken.decided);
        assert!(broken.failed);
        assert!(broken.message.starts_with("Not recorded"));
    }
}
