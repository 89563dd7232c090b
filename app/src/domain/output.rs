//! What Signoff sends back to Step Functions. Step Functions keeps no memory
//! across the wait, so the answer carries the review and the context back.

use super::decision::{approvals, RecordedDecision, Verdict};
use super::intake::OnReject;
use super::policy::EffectivePolicy;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Error name of a rejection sent with `SendTaskFailure`, for a `Catch`.
pub const REJECTED_ERROR: &str = "Signoff.Rejected";
/// Error name sent when a request could not be accepted at intake.
pub const INVALID_REQUEST_ERROR: &str = "Signoff.InvalidRequest";

/// Step Functions' limits on what a callback may send (API reference,
/// `SendTaskSuccess.output`: 262,144 bytes in UTF-8; `SendTaskFailure`:
/// `error` 256 characters, `cause` 32,768 characters). Past them it
/// answers `InvalidOutput` / `ValidationException` however often asked.
pub const MAX_OUTPUT_BYTES: usize = 262_144;
pub const MAX_ERROR_CHARS: usize = 256;
pub const MAX_CAUSE_CHARS: usize = 32_768;

/// An answer Step Functions would refuse for its size. The text is what
/// the reviewer reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TooLarge {
    #[error(
        "Step Functions would refuse this answer: its output would be {bytes} bytes, over its \
         limit of {MAX_OUTPUT_BYTES} bytes (256 KiB). The output carries the review, the context \
         and every approval's comment: shorten the comment, or have the workflow send a smaller \
         review or context."
    )]
    Output { bytes: usize },
    #[error(
        "Step Functions would refuse this answer: its cause would be {chars} characters, over \
         its limit of {MAX_CAUSE_CHARS}. Shorten the reason."
    )]
    Cause { chars: usize },
    #[error(
        "Step Functions would refuse this answer: its error name would be {chars} characters, \
         over its limit of {MAX_ERROR_CHARS}."
    )]
    Error { chars: usize },
}

/// The call that resumes the workflow, stored in the outbox as it will be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Delivery {
    /// `SendTaskSuccess` with this output.
    Success { output: Value },
    /// `SendTaskFailure` with this error and cause.
    Failure { error: String, cause: String },
}

impl Delivery {
    /// Whether Step Functions would take this answer's size. The output is
    /// measured as it is sent (`Value::to_string`, compact).
    pub fn check_size(&self) -> Result<(), TooLarge> {
        match self {
            Delivery::Success { output } => {
                let bytes = output.to_string().len();
                if bytes > MAX_OUTPUT_BYTES {
                    return Err(TooLarge::Output { bytes });
                }
            }
            Delivery::Failure { error, cause } => {
                let chars = error.chars().count();
                if chars > MAX_ERROR_CHARS {
                    return Err(TooLarge::Error { chars });
                }
                let chars = cause.chars().count();
                if chars > MAX_CAUSE_CHARS {
                    return Err(TooLarge::Cause { chars });
                }
            }
        }
        Ok(())
    }

    /// Whether this answer approves (a success whose decision is "approved").
    pub fn is_approval(&self) -> bool {
        matches!(self, Delivery::Success { output } if output["decision"] == "approved")
    }
}

/// The answer for a final decision. `decisions` are all recorded decisions of
/// the review, the final one included; `policy` is the one it was held to,
/// which the workflow gets back with the decision.
pub fn build_delivery(
    decisions: &[RecordedDecision],
    on_reject: OnReject,
    policy: &EffectivePolicy,
    review: &Value,
    context: &Value,
) -> Delivery {
    let approval_entries: Vec<Value> = approvals(decisions).into_iter().map(entry).collect();
    let rejection = decisions.iter().find(|d| d.verdict == Verdict::Reject);
    let policy = policy_json(policy);
    match (rejection, on_reject) {
        (None, _) => Delivery::Success {
            output: json!({
                "decision": "approved",
                "approvals": approval_entries,
                "policy": policy,
                "review": review,
                "context": context,
            }),
        },
        (Some(rejection), OnReject::Succeed) => Delivery::Success {
            output: json!({
                "decision": "rejected",
                "rejection": entry(rejection),
                "approvals": approval_entries,
                "policy": policy,
                "review": review,
                "context": context,
            }),
        },
        (Some(rejection), OnReject::Fail) => Delivery::Failure {
            error: REJECTED_ERROR.to_owned(),
            cause: json!({
                "decision": "rejected",
                "reviewer": rejection.reviewer_label,
                "at": timestamp(rejection.at_ms),
                "comment": rejection.comment,
                "policy": policy,
            })
            .to_string(),
        },
    }
}

/// The policy as the workflow reads it: what applied, and where from.
fn policy_json(policy: &EffectivePolicy) -> Value {
    json!({
        "rule": policy.rule.as_ref().map(|r| &r.name),
        "version": policy.rule.as_ref().map(|r| &r.version),
        "requiredApprovals": policy.required_approvals,
        "reviewerGroups": policy.reviewer_groups,
        "approvalFrom": policy.approval_from,
        "requesterRequired": policy.requester_required,
        "summary": policy.headline(),
    })
}

/// The failure sent to a workflow whose request Signoff could not accept.
pub fn invalid_request_delivery(reasons: &[String]) -> Delivery {
    Delivery::Failure {
        error: INVALID_REQUEST_ERROR.to_owned(),
        cause: json!({ "reasons": reasons }).to_string(),
    }
}

fn entry(decision: &RecordedDecision) -> Value {
    json!({
        "reviewer": decision.reviewer_label,
        "at": timestamp(decision.at_ms),
        "comment": decision.comment,
    })
}

fn timestamp(millis: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(millis)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(verdict: Verdict, who: &str, comment: Option<&str>) -> RecordedDecision {
        RecordedDecision {
            verdict,
            reviewer_subject: who.into(),
            reviewer_label: format!("{who}@example.com"),
            reviewer_groups: Vec::new(),
            comment: comment.map(Into::into),
            at_ms: 1_795_250_850_345,
        }
    }

    fn policy() -> EffectivePolicy {
        EffectivePolicy {
            rule: None,
            required_approvals: 1,
            reviewer_groups: Vec::new(),
            approval_from: Vec::new(),
            requester_required: true,
            auto_approve: None,
            asked: Default::default(),
        }
    }

    #[test]
    fn approval_echoes_review_and_context() {
        let review = json!({"title": "t", "ticket": "ML-1"});
        let context = json!({"run": 7});
        let delivery = build_delivery(
            &[decision(Verdict::Approve, "ada", Some("ok"))],
            OnReject::Fail,
            &policy(),
            &review,
            &context,
        );
        assert_eq!(
            delivery,
            Delivery::Success {
                output: json!({
                    "decision": "approved",
                    "approvals": [{"reviewer": "ada@example.com", "at": "2026-11-21T08:47:30.345Z", "comment": "ok"}],
                    "policy": {
                        "rule": null, "version": null, "requiredApprovals": 1, "reviewerGroups": [],
                        "approvalFrom": [], "requesterRequired": true,
                        "summary": "1 approval from any reviewer: the request's own fields (no policy file)"
                    },
                    "review": {"title": "t", "ticket": "ML-1"},
                    "context": {"run": 7},
                })
            }
        );
    }

    #[test]
    fn rejection_fails_the_task_with_a_json_cause() {
        let delivery = build_delivery(
            &[decision(Verdict::Reject, "bob", Some("AUC fell"))],
            OnReject::Fail,
            &policy(),
            &json!({}),
            &json!({}),
        );
        let Delivery::Failure { error, cause } = delivery else {
            panic!("expected a failure")
        };
        assert_eq!(error, "Signoff.Rejected");
        let mut cause: Value = serde_json::from_str(&cause).unwrap();
        assert_eq!(cause["policy"]["requiredApprovals"], 1);
        cause.as_object_mut().unwrap().remove("policy");
        assert_eq!(
            cause,
            json!({"decision": "rejected", "reviewer": "bob@example.com", "at": "2026-11-21T08:47:30.345Z", "comment": "AUC fell"})
        );
    }

    #[test]
    fn rejection_can_succeed_for_a_choice_state() {
        let delivery = build_delivery(
            &[
                decision(Verdict::Approve, "ada", None),
                decision(Verdict::Reject, "bob", Some("no")),
            ],
            OnReject::Succeed,
            &policy(),
            &json!({"title": "t"}),
            &json!({"k": 1}),
        );
        let Delivery::Success { output } = delivery else {
            panic!("expected a success")
        };
        assert_eq!(output["decision"], "rejected");
        assert_eq!(output["rejection"]["comment"], "no");
        assert_eq!(output["approvals"].as_array().unwrap().len(), 1);
        assert_eq!(output["context"], json!({"k": 1}));
    }

    #[test]
    fn answers_over_step_functions_limits_are_refused_by_size() {
        let with_output = |len: usize| {
            // `{"p":"…"}` is 8 bytes around the string.
            Delivery::Success {
                output: json!({ "p": "é".repeat(len / 2) + &"x".repeat(len % 2) }),
            }
        };
        assert_eq!(with_output(MAX_OUTPUT_BYTES - 8).check_size(), Ok(()));
        assert_eq!(
            with_output(MAX_OUTPUT_BYTES - 7).check_size(),
            Err(TooLarge::Output {
                bytes: MAX_OUTPUT_BYTES + 1
            }),
            "bytes in UTF-8, not characters"
        );
        let failure = |error: usize, cause: usize| Delivery::Failure {
            error: "e".repeat(error),
            cause: "é".repeat(cause),
        };
        assert_eq!(
            failure(MAX_ERROR_CHARS, MAX_CAUSE_CHARS).check_size(),
            Ok(())
        );
        assert_eq!(
            failure(MAX_ERROR_CHARS, MAX_CAUSE_CHARS + 1).check_size(),
            Err(TooLarge::Cause {
                chars: MAX_CAUSE_CHARS + 1
            }),
            "characters, not bytes"
        );
        assert_eq!(
            failure(MAX_ERROR_CHARS + 1, 1).check_size(),
            Err(TooLarge::Error {
                chars: MAX_ERROR_CHARS + 1
            })
        );
        let text = TooLarge::Output { bytes: 300_000 }.to_string();
        assert!(
            text.contains("300000 bytes") && text.contains("262144"),
            "{text}"
        );
    }

    #[test]
    fn deliveries_round_trip_through_the_outbox() {
        let delivery = invalid_request_delivery(&["review.title: is required".into()]);
        let stored = serde_json::to_string(&delivery).unwrap();
        assert_eq!(serde_json::from_str::<Delivery>(&stored).unwrap(), delivery);
        let Delivery::Failure { error, cause } = delivery else {
            panic!()
        };
        assert_eq!(error, "Signoff.InvalidRequest");
        assert!(cause.contains("review.title: is required"));
    }
}
