//! Deciding several reviews at once. The pre-flight reads what each
//! decision would meet and changes nothing; the decision itself is the
//! single-review use case run once per review, so each is decided, audited
//! and delivered on its own, and every policy applies to each.

use super::ports::StoreError;
use super::queries::{decision_blocked, held_to};
use super::{DecideError, Decided, Services};
use crate::domain::actor::Actor;
use crate::domain::decision::Verdict;
use crate::domain::intake::ModelRef;
use crate::domain::metrics::{compare, failing, Check};

/// What deciding one review would meet, as the pre-flight found it.
#[derive(Debug, Clone, PartialEq)]
pub enum Preflight {
    /// No review has this id.
    Missing {
        id: String,
    },
    Found(PreflightReview),
}

/// A review a bulk decision would cover.
#[derive(Debug, Clone, PartialEq)]
pub struct PreflightReview {
    pub id: String,
    pub title: String,
    pub model: ModelRef,
    /// Metrics with a threshold, and how many of them fail.
    pub with_threshold: usize,
    pub failing_thresholds: usize,
    pub requested_by: Option<String>,
    /// Why this person's decision would be refused, if it would.
    pub blocked: Option<String>,
}

impl Services {
    /// What each review's decision would meet, in the order asked.
    pub async fn preflight(
        &self,
        actor: &Actor,
        ids: &[String],
        verdict: Verdict,
    ) -> Result<Vec<Preflight>, StoreError> {
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(review) = self.store.review(id).await? else {
                rows.push(Preflight::Missing { id: id.clone() });
                continue;
            };
            let spec = review.spec.clone();
            let policy = held_to(review.policy.as_ref(), &spec);
            let metrics = compare(&spec, &self.settings.metric_directions);
            let with_threshold = metrics
                .iter()
                .filter(|m| m.check != Check::NoThreshold)
                .count();
            let failing_thresholds = failing(&metrics);
            let blocked = decision_blocked(actor, &spec, &policy, &review, verdict);
            rows.push(Preflight::Found(PreflightReview {
                id: id.clone(),
                title: spec.title,
                model: spec.model,
                with_threshold,
                failing_thresholds,
                requested_by: spec.requested_by,
                blocked,
            }));
        }
        Ok(rows)
    }

    /// Decides each review in turn, and answers for each, in the order
    /// asked; one refused or failing decision does not stop the others.
    pub async fn decide_many(
        &self,
        actor: &Actor,
        ids: &[String],
        verdict: Verdict,
        comment: &str,
    ) -> Vec<(String, Result<Decided, DecideError>)> {
        let mut outcomes = Vec::with_capacity(ids.len());
        for id in ids {
            let result = self.decide(actor, id, verdict, comment).await;
            if let Err(DecideError::Store(error)) = &result {
                tracing::error!(review_id = %id, "bulk decision not recorded: {error}");
            }
            outcomes.push((id.clone(), result));
        }
        outcomes
    }
}
