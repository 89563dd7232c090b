//! Intake: one message in, a stored review (or a recorded rejection) out.
//! Transport-agnostic: the SQS poller and the HTTP route both call
//! [`Services::receive_intake`] and act on its outcome.

use super::ports::{
    AuditRecord, Inserted, NewRejectedIntake, NewReview, StoreError, WorkflowError,
};
use super::Services;
use crate::domain::intake::{parse_review_request, IntakeRejection};
use crate::domain::output::invalid_request_delivery;
use serde_json::Value;

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
    /// Validates and stores one intake message. A store failure is returned
    /// (the transport keeps the message and it comes back); anything wrong
    /// with the message itself becomes a recorded rejection, never an error.
    pub async fn receive_intake(
        &self,
        source: &IntakeSource,
        body: &str,
    ) -> Result<IntakeOutcome, StoreError> {
        let now_ms = self.clock.now_ms();
        match parse_review_request(body) {
            Ok(request) => {
                let audit = AuditRecord::system(
                    now_ms,
                    "received",
                    None,
                    Some(format!(
                        "from {} by {}",
                        source.kind, request.spec.requested_by
                    )),
                );
                let review = NewReview {
                    id: uuid::Uuid::new_v4().to_string(),
                    request,
                    received_at_ms: now_ms,
                };
                Ok(match self.store.insert_review(&review, &audit).await? {
                    Inserted::Created(review_id) => IntakeOutcome::Created { review_id },
                    Inserted::Duplicate(review_id) => IntakeOutcome::Duplicate { review_id },
                })
            }
            Err(rejection) => self.reject_intake(source, body, rejection, now_ms).await,
        }
    }

    async fn reject_intake(
        &self,
        source: &IntakeSource,
        body: &str,
        rejection: IntakeRejection,
        now_ms: i64,
    ) -> Result<IntakeOutcome, StoreError> {
        let reasons: Vec<String> = rejection.errors.iter().map(ToString::to_string).collect();
        let intake = NewRejectedIntake {
            id: uuid::Uuid::new_v4().to_string(),
            source: source.kind.into(),
            message_id: source.message_id.clone(),
            received_at_ms: now_ms,
            reasons: reasons.clone(),
            execution_arn: rejection.execution_arn.clone(),
            redacted_body: redact(body, rejection.task_token.as_ref().map(|t| t.expose())),
        };
        let audit = AuditRecord::system(now_ms, "intake rejected", None, Some(reasons.join("; ")));
        let status = self.store.record_rejected_intake(&intake, &audit).await?;
        tracing::warn!(
            intake_id = %status.id,
            message_id = %source.message_id,
            execution_arn = ?rejection.execution_arn,
            "rejected intake message: {}",
            reasons.join("; ")
        );
        // The workflow would otherwise wait for its whole timeout: fail its
        // task now with the reasons, once.
        if let (false, Some(token)) = (status.workflow_notified, &rejection.task_token) {
            match self
                .workflow
                .send(token, &invalid_request_delivery(&reasons))
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
            reasons,
        })
    }
}

/// The message as leads may see it: JSON with the token replaced wherever it
/// appears; nothing for a body that is not JSON (the token could be anywhere
/// in it, and the raw message stays in the queue for those with access).
pub fn redact(body: &str, token: Option<&str>) -> Option<String> {
    let mut value: Value = serde_json::from_str(body).ok()?;
    scrub(&mut value, token);
    serde_json::to_string_pretty(&value).ok()
}

fn scrub(value: &mut Value, token: Option<&str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key.to_ascii_lowercase().contains("tasktoken") {
                    *inner = Value::String("<redacted>".into());
                } else {
                    scrub(inner, token);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| scrub(item, token)),
        Value::String(text) => {
            if let Some(token) = token.filter(|t| text.contains(*t)) {
                *text = text.replace(token, "<redacted>");
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redaction_removes_the_token_wherever_it_is() {
        let body = json!({
            "taskToken": "tok-1",
            "review": {"note": "resume with tok-1 please", "nested": [{"TaskToken": "other"}]},
        })
        .to_string();
        let redacted = redact(&body, Some("tok-1")).unwrap();
        assert!(!redacted.contains("tok-1"));
        assert!(!redacted.contains("other"));
        assert!(redacted.contains("resume with <redacted> please"));
    }

    #[test]
    fn a_body_that_is_not_json_is_not_kept() {
        assert_eq!(redact("taskToken=abc, oops", None), None);
    }
}
