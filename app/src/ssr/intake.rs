//! Intake: one message in, a stored review (or a recorded rejection) out.
//! Transport-agnostic: the SQS poller and the HTTP route both call
//! [`Services::receive_intake`] and act on its outcome.

use super::ports::{
    AuditRecord, Inserted, NewRejectedIntake, NewReview, StoreError, WorkflowError,
};
use super::Services;
use crate::domain::audit_action::Action;
use crate::domain::intake::{parse_review_request, IntakeRejection, ReviewRequest};
use crate::domain::metrics::{compare, failing_thresholds};
use crate::domain::output::invalid_request_delivery;
use crate::domain::policy::{auto_approval, resolve, short_version, EffectivePolicy, Evidence};
use crate::domain::rejected_intake::keep;

/// Where a message came from: the transport and its own id for it.
#[derive(Debug, Clone)]
pub struct IntakeSource {
    pub kind: &'static str,
    pub message_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntakeOutcome {
    Created {
        review_id: String,
    },
    /// Seen before (same task token): nothing new was stored.
    Duplicate {
        review_id: String,
    },
    /// Recorded as rejected intake with these reasons.
    Rejected {
        intake_id: String,
        reasons: Vec<String>,
    },
}

impl IntakeOutcome {
    /// Whether the transport may forget the message (it is safely stored).
    /// Rejected messages stay for the queue's dead-letter policy.
    pub fn is_stored(&self) -> bool {
        matches!(
            self,
            IntakeOutcome::Created { .. } | IntakeOutcome::Duplicate { .. }
        )
    }
}

impl Services {
    /// Validates and stores one intake message, holding it to the policy
    /// its rule sets (and approving it at once when the rule says so). A
    /// store failure is returned (the transport keeps the message and it
    /// comes back); anything wrong with the message itself, or a request no
    /// policy admits, becomes a recorded rejection, never an error.
    pub async fn receive_intake(
        &self,
        source: &IntakeSource,
        body: &str,
    ) -> Result<IntakeOutcome, StoreError> {
        let now_ms = self.clock.now_ms();
        let request = match parse_review_request(body) {
            Ok(request) => request,
            Err(rejection) => return self.reject_intake(source, body, rejection, now_ms).await,
        };
        // Artefacts outside --artefact-buckets would be opened with Signoff's role.
        if let Some(buckets) = &self.settings.artefact_buckets {
            let errors = buckets.refusals(&request.spec.artefacts);
            if !errors.is_empty() {
                let rejection = IntakeRejection {
                    errors,
                    task_token: Some(request.task_token.clone()),
                    execution_arn: Some(request.execution_arn.clone()),
                };
                return self.reject_intake(source, body, rejection, now_ms).await;
            }
        }
        let policy = match resolve(self.settings.policies.as_deref(), &request) {
            Ok(policy) => policy,
            Err(errors) => {
                let rejection = IntakeRejection {
                    errors,
                    task_token: Some(request.task_token.clone()),
                    execution_arn: Some(request.execution_arn.clone()),
                };
                return self.reject_intake(source, body, rejection, now_ms).await;
            }
        };
        let metrics = compare(&request.spec, &self.settings.metric_directions);
        let auto = auto_approval(&policy, &metrics, request.spec.model.stage.as_deref());
        let audit = AuditRecord::system(
            now_ms,
            Action::Received,
            None,
            Some(received_detail(source, &request, &policy, auto.as_ref())),
        );
        let review = NewReview {
            id: uuid::Uuid::new_v4().to_string(),
            failing_thresholds: failing_thresholds(&request.spec),
            request,
            received_at_ms: now_ms,
            policy,
        };
        let (outcome, review_id) = match self.store.insert_review(&review, &audit).await? {
            Inserted::Created(id) => (
                IntakeOutcome::Created {
                    review_id: id.clone(),
                },
                id,
            ),
            Inserted::Duplicate(id) => (
                IntakeOutcome::Duplicate {
                    review_id: id.clone(),
                },
                id,
            ),
        };
        // Also for a duplicate: a crash between storing the review and
        // approving it leaves the message on the queue, and it comes back.
        if auto.is_some() || matches!(outcome, IntakeOutcome::Duplicate { .. }) {
            self.approve_by_rule_if_due(&review_id).await?;
        }
        Ok(outcome)
    }

    async fn reject_intake(
        &self,
        source: &IntakeSource,
        body: &str,
        rejection: IntakeRejection,
        now_ms: i64,
    ) -> Result<IntakeOutcome, StoreError> {
        // From here on only the scrubbed form exists: what is stored, shown,
        // audited, exported, logged and sent back to the workflow.
        let kept = keep(body, &rejection);
        let intake = NewRejectedIntake {
            id: uuid::Uuid::new_v4().to_string(),
            source: source.kind.into(),
            message_id: source.message_id.clone(),
            received_at_ms: now_ms,
            reasons: kept.reasons.clone(),
            execution_arn: kept.execution_arn.clone(),
            redacted_body: kept.body,
        };
        let audit = AuditRecord::system(
            now_ms,
            Action::IntakeRejected,
            None,
            Some(kept.reasons.join("; ")),
        );
        let status = self.store.record_rejected_intake(&intake, &audit).await?;
        tracing::warn!(
            intake_id = %status.id,
            message_id = %source.message_id,
            execution_arn = ?kept.execution_arn,
            "rejected intake message: {}",
            kept.reasons.join("; ")
        );
        // The workflow would otherwise wait for its whole timeout: fail its
        // task now with the reasons, once.
        if let (false, Some(token)) = (status.workflow_notified, &rejection.task_token) {
            match self
                .workflow
                .send(token, &invalid_request_delivery(&kept.reasons))
                .await
            {
                Ok(()) | Err(WorkflowError::TokenClosed(_)) => {
                    self.store.mark_intake_notified(&status.id).await?;
                }
                Err(error) => {
                    tracing::warn!(intake_id = %status.id, "could not fail the waiting task yet: {error}")
                }
            }
        }
        Ok(IntakeOutcome::Rejected {
            intake_id: status.id,
            reasons: kept.reasons,
        })
    }
}

/// The intake's audit entry: where the request came from, who asked, the
/// policy it is held to and where that came from, and whether its rule
/// approves it by itself.
fn received_detail(
    source: &IntakeSource,
    request: &ReviewRequest,
    policy: &EffectivePolicy,
    auto: Option<&Result<Evidence, String>>,
) -> String {
    let requester = request
        .spec
        .requested_by
        .as_deref()
        .unwrap_or("nobody named");
    let version = policy
        .rule
        .as_ref()
        .map(|rule| format!(" (policy file {})", short_version(&rule.version)))
        .unwrap_or_default();
    let auto = match auto {
        None => String::new(),
        Some(Ok(_)) => " The rule approves it by itself.".to_owned(),
        Some(Err(why)) => format!(" The rule does not approve it by itself: {why}."),
    };
    format!(
        "from {} by {requester}. Policy: {}{version}.{auto}",
        source.kind,
        policy.headline()
    )
}
