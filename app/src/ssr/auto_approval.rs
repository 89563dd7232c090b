//! Approval by a policy rule. When a review's rule approves it by itself,
//! Signoff decides it at intake as `policy:<rule>`: the decision names the
//! rule, its audit entry the rule, the version of its file and the inputs
//! that met its conditions, and the answer goes to Step Functions through
//! the outbox like any decision.

use super::ports::{AuditRecord, Committed, DecisionCommit, StoreError};
use super::queries::held_to;
use super::Services;
use crate::domain::audit_action::Action;
use crate::domain::decision::{Outcome, RecordedDecision, Verdict};
use crate::domain::metrics::compare;
use crate::domain::output::build_delivery;
use crate::domain::policy::{auto_approval, short_version};
use crate::domain::review::ReviewStatus;

impl Services {
    /// Approves `review_id` as its rule when the policy it was stored with
    /// says so, unless someone (or an earlier delivery of the same message)
    /// already decided it. Read from the stored review, so a redelivered
    /// message meets the policy its review was admitted under, whatever the
    /// configuration says now.
    pub(super) async fn approve_by_rule_if_due(&self, review_id: &str) -> Result<(), StoreError> {
        let Some(review) = self.store.review(review_id).await? else {
            return Ok(());
        };
        if !review.status.is_pending() || !review.decisions.is_empty() {
            return Ok(());
        }
        let spec = &review.spec;
        let policy = held_to(review.policy.as_ref(), spec);
        let (Some(approver), Some(rule)) = (policy.auto_approver(), policy.rule.as_ref()) else {
            return Ok(());
        };
        let metrics = compare(spec, &self.settings.metric_directions);
        let Some(Ok(evidence)) = auto_approval(&policy, &metrics, spec.model.stage.as_deref())
        else {
            return Ok(());
        };
        let now_ms = self.clock.now_ms();
        let met = evidence.join("; ");
        let decision = RecordedDecision {
            verdict: Verdict::Approve,
            reviewer_subject: approver.clone(),
            reviewer_label: approver.clone(),
            reviewer_groups: Vec::new(),
            comment: Some(format!(
                "Approved by rule {} (policy file {}): {met}.",
                rule.name,
                short_version(&rule.version)
            )),
            at_ms: now_ms,
        };
        let delivery = build_delivery(
            std::slice::from_ref(&decision),
            spec.on_reject,
            &policy,
            &review.review_json,
            &review.context,
        );
        // Too large for Step Functions: a person decides, and hears why.
        if let Err(too_large) = delivery.check_size() {
            tracing::warn!(review_id, rule = %rule.name, "not approved by its rule: {too_large}");
            return Ok(());
        }
        let audit = AuditRecord::by_rule(
            &rule.name,
            now_ms,
            Action::Approved,
            Some(review_id),
            Some(format!(
                "Rule {} of policy file {} approved by itself: {met}.",
                rule.name, rule.version
            )),
        );
        let commit = DecisionCommit {
            review_id: review_id.to_owned(),
            expected_version: review.version,
            decision,
            new_status: Some(ReviewStatus::Approved),
            delivery: Some(delivery),
            delivery_lease_ms: self.settings.delivery_lease_ms,
            audit: vec![audit],
        };
        match self.store.commit_decision(&commit).await? {
            Committed::Recorded(job) => {
                let outcome = Outcome::Final(ReviewStatus::Approved);
                let decided = self.after_commit(outcome, job).await;
                tracing::info!(review_id, rule = %rule.name, ?decided, "approved by its policy rule");
            }
            Committed::Conflict => {
                tracing::info!(
                    review_id,
                    "decided by someone else before its rule could approve it"
                );
            }
        }
        Ok(())
    }
}
