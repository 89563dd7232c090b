//! Deciding several reviews at once. The pre-flight reads what each
//! decision would meet and changes nothing; the decision itself is the
//! single-review use case run once per review, so each is decided, audited
//! and delivered on its own, and every policy applies to each.

use super::ports::StoreError;
use super::queries::{decision_blocked, held_to};
use super::{DecideError, Decided, Services};
use crate::api::PreflightRow;
use crate::domain::actor::Actor;
use crate::domain::decision::Verdict;
use crate::domain::metrics::{compare, failing, threshold_summary, Check};

impl Services {
    /// Each review as the pre-flight table shows it, in the order asked.
    pub async fn preflight(
        &self,
        actor: &Actor,
        ids: &[String],
        verdict: Verdict,
    ) -> Result<Vec<PreflightRow>, StoreError> {
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(review) = self.store.review(id).await? else {
                rows.push(PreflightRow {
                    id: id.clone(),
                    title: id.clone(),
                    model: String::new(),
                    thresholds: String::new(),
                    failing_thresholds: 0,
                    requested_by: None,
                    blocked: Some("There is no such review.".into()),
                });
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
            rows.push(PreflightRow {
                id: id.clone(),
                title: spec.title,
                model: format!("{} v{}", spec.model.name, spec.model.version),
                thresholds: threshold_summary(with_threshold, failing_thresholds),
                failing_thresholds,
                requested_by: spec.requested_by,
                blocked,
            });
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
