//! Deciding a review: apply the rules, commit decision + status + outbox +
//! audit together under a compare-and-set, then try to deliver at once
//! (the decider waits for that attempt only a bounded time).

use super::ports::{
    AuditRecord, Committed, DecisionCommit, DeliveryJob, StoreError, StoredReview, WithdrawalCommit,
};
use super::queries::held_to;
use super::Services;
use crate::domain::access::{may_decide, NotAllowed};
use crate::domain::actor::Actor;
use crate::domain::audit_action::Action;
use crate::domain::decision::{
    evaluate, may_withdraw, normalise_comment, Decider, Outcome, RecordedDecision, Refusal, Verdict,
};
use crate::domain::output::build_delivery;
use crate::domain::review::{DeliveryState, ReviewStatus};

/// How often a decision is re-evaluated when others commit first. Each lost
/// race re-reads the review, so the loser ends with a plain refusal.
const MAX_ATTEMPTS: usize = 5;

/// What became of a decision that was recorded (one that was not is a
/// [`DecideError`]). `api` words it for the decider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    /// An approval counted; the review stays pending until `need` distinct
    /// approvals.
    AwaitingApprovals { have: u32, need: u32 },
    /// The review is decided (`status`: approved or rejected), and its
    /// answer for Step Functions stood at `delivery` when the decider was
    /// answered (`Queued` when Step Functions was slow).
    Final {
        status: ReviewStatus,
        delivery: DeliveryState,
    },
}

/// Where a decision was made: a decision from a chat tool says so in its
/// audit entry, so whoever reads the history knows where to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Signoff's own pages and API.
    Signoff,
    /// Slack's buttons and reject form.
    Slack,
}

/// The decision's audit detail: the comment, after "via Slack" when it
/// came from there.
fn audit_detail(comment: Option<&str>, via: Via) -> Option<String> {
    match (via, comment) {
        (Via::Signoff, comment) => comment.map(str::to_owned),
        (Via::Slack, None) => Some("via Slack".to_owned()),
        (Via::Slack, Some(comment)) => Some(format!("via Slack: {comment}")),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error("no such review")]
    NotFound,
    #[error(transparent)]
    NotAllowed(#[from] NotAllowed),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Services {
    /// Records `actor`'s verdict on a review. When it makes the review final,
    /// the answer for Step Functions is committed in the same transaction and
    /// a first delivery attempt is made, waited for at most about a second
    /// (then the answer is that it is queued, and the attempt runs on).
    pub async fn decide(
        &self,
        actor: &Actor,
        review_id: &str,
        verdict: Verdict,
        comment: &str,
    ) -> Result<Decided, DecideError> {
        self.decide_via(actor, review_id, verdict, comment, Via::Signoff)
            .await
    }

    /// [`Self::decide`], made `via` a chat tool or Signoff itself.
    pub async fn decide_via(
        &self,
        actor: &Actor,
        review_id: &str,
        verdict: Verdict,
        comment: &str,
        via: Via,
    ) -> Result<Decided, DecideError> {
        let comment = normalise_comment(comment)?;
        for _ in 0..MAX_ATTEMPTS {
            let review = self.stored_review(review_id).await?;
            let spec = &review.spec;
            let policy = held_to(review.policy.as_ref(), spec);
            may_decide(actor, spec, &policy, verdict)?;
            let outcome = evaluate(
                review.status,
                policy.approvals_needed(),
                &review.decisions,
                verdict,
                Decider {
                    subject: &actor.subject,
                    groups: &actor.groups,
                },
                comment.as_deref(),
            )?;
            let now_ms = self.clock.now_ms();
            let decision = RecordedDecision {
                verdict,
                reviewer_subject: actor.subject.clone(),
                reviewer_label: actor.label().to_owned(),
                reviewer_groups: actor.groups.clone(),
                comment: comment.clone(),
                at_ms: now_ms,
            };
            let (new_status, delivery) = match outcome {
                Outcome::Final(status) => {
                    let mut all = review.decisions.clone();
                    all.push(decision.clone());
                    let delivery = build_delivery(
                        &all,
                        spec.on_reject,
                        &policy,
                        &review.review_json,
                        &review.context,
                    );
                    // Refused now, before anything is stored: Step Functions
                    // would refuse it for ever, and the reviewer is here.
                    delivery
                        .check_size()
                        .map_err(|too_large| Refusal::AnswerTooLarge(too_large.to_string()))?;
                    (Some(status), Some(delivery))
                }
                Outcome::AwaitingApprovals { .. } => (None, None),
            };
            let commit = DecisionCommit {
                review_id: review_id.to_owned(),
                expected_version: review.version,
                audit: vec![AuditRecord::by(
                    actor,
                    now_ms,
                    audit_action(verdict, outcome),
                    Some(review_id),
                    audit_detail(comment.as_deref(), via),
                )],
                decision,
                new_status,
                delivery,
                delivery_lease_ms: self.settings.delivery_lease_ms,
            };
            match self.store.commit_decision(&commit).await? {
                Committed::Recorded(job) => return Ok(self.after_commit(outcome, job).await),
                Committed::Conflict => {
                    tracing::debug!(review_id, "decision lost a race; re-evaluating");
                }
            }
        }
        Err(StoreError::Conflict(format!(
            "review {review_id} kept changing during {MAX_ATTEMPTS} attempts"
        ))
        .into())
    }

    /// Takes back `actor`'s approval of a review that still waits for more
    /// approvals, with an optional reason, audited. Whoever approves next
    /// starts the count again from the approvals that remain.
    pub async fn withdraw_approval(
        &self,
        actor: &Actor,
        review_id: &str,
        reason: &str,
    ) -> Result<(), DecideError> {
        let reason = normalise_comment(reason)?;
        for _ in 0..MAX_ATTEMPTS {
            let review = self.stored_review(review_id).await?;
            may_withdraw(review.status, &review.decisions, &actor.subject)?;
            let commit = WithdrawalCommit {
                review_id: review_id.to_owned(),
                expected_version: review.version,
                reviewer_subject: actor.subject.clone(),
                audit: AuditRecord::by(
                    actor,
                    self.clock.now_ms(),
                    Action::ApprovalWithdrawn,
                    Some(review_id),
                    reason.clone(),
                ),
            };
            if self.store.withdraw_approval(&commit).await? {
                return Ok(());
            }
            tracing::debug!(review_id, "withdrawal lost a race; re-reading");
        }
        Err(StoreError::Conflict(format!(
            "review {review_id} kept changing during {MAX_ATTEMPTS} attempts"
        ))
        .into())
    }

    async fn stored_review(&self, review_id: &str) -> Result<StoredReview, DecideError> {
        self.store
            .review(review_id)
            .await?
            .ok_or(DecideError::NotFound)
    }

    /// What became of the decision, after the first attempt to deliver a
    /// final one (claimed for it by the commit).
    pub(super) async fn after_commit(&self, outcome: Outcome, job: Option<DeliveryJob>) -> Decided {
        match outcome {
            Outcome::AwaitingApprovals { have, need } => Decided::AwaitingApprovals { have, need },
            Outcome::Final(status) => {
                // A final decision always commits its delivery, claimed;
                // without one there would be nothing to send from here.
                let delivery = match job {
                    Some(job) => self.send_claimed(job).await,
                    None => DeliveryState::Queued,
                };
                Decided::Final { status, delivery }
            }
        }
    }
}

fn audit_action(verdict: Verdict, outcome: Outcome) -> Action {
    match (verdict, outcome) {
        (Verdict::Reject, _) => Action::Rejected,
        (Verdict::Approve, Outcome::Final(_)) => Action::Approved,
        (Verdict::Approve, Outcome::AwaitingApprovals { have, need }) => {
            Action::PartialApproval { have, need }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_from_slack_says_so_in_its_audit_detail() {
        assert_eq!(
            audit_detail(Some("fine"), Via::Signoff).as_deref(),
            Some("fine")
        );
        assert_eq!(audit_detail(None, Via::Signoff), None);
        assert_eq!(audit_detail(None, Via::Slack).as_deref(), Some("via Slack"));
        assert_eq!(
            audit_detail(Some("Recall fell."), Via::Slack).as_deref(),
            Some("via Slack: Recall fell.")
        );
    }
}
