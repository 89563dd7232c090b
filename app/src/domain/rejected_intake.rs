//! What of a rejected intake message is kept: its reasons, its execution
//! ARN and its body, each scrubbed of secrets ([`super::scrub`]). This is
//! the only form a rejection takes past the parser: the store, the
//! rejected-intake page, the audit entry (and so the exports), the log line
//! and the failure cause sent to the workflow are all made from it.
//!
//! The scrubbing runs on the server only (its automaton crate stays out of
//! the browser bundle); the stored form, [`RejectedIntake`], is shown by a
//! page and so is built for the browser too.

#[cfg(not(target_arch = "wasm32"))]
use super::intake::IntakeRejection;
#[cfg(not(target_arch = "wasm32"))]
use super::intake_limits::{check_body, MAX_MESSAGE_BYTES};
#[cfg(not(target_arch = "wasm32"))]
use super::scrub::Scrubber;
use serde::{Deserialize, Serialize};
#[cfg(not(target_arch = "wasm32"))]
use serde_json::Value;

/// An intake message that could not be accepted, as stored (and counted
/// again on each redelivery).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedIntake {
    pub id: String,
    pub source: String,
    pub message_id: String,
    pub received_at_ms: i64,
    pub receive_count: u32,
    pub reasons: Vec<String>,
    pub execution_arn: Option<String>,
    /// The message with any task token replaced, when it was JSON.
    pub redacted_body: Option<String>,
    /// Whether the waiting task was failed with `Signoff.InvalidRequest`.
    pub workflow_notified: bool,
}

/// A rejection as it may be stored, shown, audited and logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptRejection {
    /// One line per problem: `field: reason`.
    pub reasons: Vec<String>,
    pub execution_arn: Option<String>,
    /// The message, pretty-printed, when it was JSON within the intake
    /// limits; nothing otherwise (a secret could be anywhere in it, and the
    /// raw message stays on the queue for those with access to it).
    pub body: Option<String>,
}

/// Scrubs `rejection` of every secret in `body` before any of it is kept.
#[cfg(not(target_arch = "wasm32"))]
pub fn keep(body: &str, rejection: &IntakeRejection) -> KeptRejection {
    // A message too deep to keep is still read for its secrets (serde_json
    // stops at 128 levels, and the search for them does not recurse): the
    // ARN salvaged from it may hold one.
    let parsed: Option<Value> = (body.len() <= MAX_MESSAGE_BYTES)
        .then(|| serde_json::from_str(body).ok())
        .flatten();
    let known: Vec<&str> = rejection.task_token.iter().map(|t| t.expose()).collect();
    let scrubber = Scrubber::of_message(parsed.as_ref(), &known);
    let message = parsed.filter(|_| check_body(body).is_ok());
    KeptRejection {
        reasons: rejection
            .errors
            .iter()
            .map(|error| scrubber.text(&error.to_string()))
            .collect(),
        execution_arn: rejection
            .execution_arn
            .as_deref()
            .map(|arn| scrubber.text(arn)),
        body: message.and_then(|m| serde_json::to_string_pretty(&scrubber.value(m)).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::intake::parse_review_request;
    use serde_json::json;

    fn kept(message: &Value) -> KeptRejection {
        let body = message.to_string();
        let rejection = parse_review_request(&body).expect_err("rejected");
        keep(&body, &rejection)
    }

    fn everything(kept: &KeptRejection) -> String {
        format!(
            "{:?} {:?} {:?}",
            kept.reasons, kept.execution_arn, kept.body
        )
    }

    #[test]
    fn tokens_under_other_keys_and_in_echoed_values_are_scrubbed() {
        let kept = kept(&json!({
            "task_token": "SECRET-under-task_token",
            "executionArn": "arn:aws:states:us-east-1:1:execution:m:SECRET-under-task_token",
            "stateName": "S",
            "enteredTime": "SECRET-nested-token-value",
            "review": {
                "title": "copy of SECRET-under-task_token",
                "model": {"name": "m", "version": "1", "token": "SECRET-nested-token-value"},
                "metrics": {"SECRET-nested-token-value": "high"},
                "onReject": "SECRET-under-task_token",
            },
            "context": {"deeper": [{"Token": "SECRET-in-an-array"}], "echo": "SECRET-in-an-array"},
        }));
        let text = everything(&kept);
        assert!(!text.contains("SECRET"), "{text}");
        assert!(
            kept.reasons.iter().any(|r| r == "taskToken: is required"),
            "{:?}",
            kept.reasons
        );
        assert!(
            kept.reasons
                .iter()
                .any(|r| r == "review.metrics.<redacted>: must be a number, got string"),
            "{:?}",
            kept.reasons
        );
        assert!(
            kept.reasons.iter().any(|r| r
                == "enteredTime: must be an RFC 3339 timestamp, got a string of 25 characters"),
            "{:?}",
            kept.reasons
        );
    }

    #[test]
    fn the_parsed_task_token_is_scrubbed_from_a_message_too_deep_to_keep() {
        let mut message = json!({
            "taskToken": "SECRET-deep-token",
            "task_token": "SECRET-other-key",
            "executionArn": "arn:SECRET-deep-token:SECRET-other-key",
        });
        let mut nest = json!(1);
        for _ in 0..40 {
            nest = json!([nest]);
        }
        message["context"] = nest;
        let body = message.to_string();
        let rejection = parse_review_request(&body).unwrap_err();
        assert!(rejection.task_token.is_some(), "salvaged to fail the task");
        let kept = keep(&body, &rejection);
        assert_eq!(kept.body, None);
        assert!(!everything(&kept).contains("SECRET"), "{kept:?}");
    }

    #[test]
    fn a_body_that_is_not_json_is_not_kept() {
        let rejection = parse_review_request("taskToken=SECRET-x, oops").unwrap_err();
        let kept = keep("taskToken=SECRET-x, oops", &rejection);
        assert_eq!(kept.body, None);
        assert!(!everything(&kept).contains("SECRET"), "{kept:?}");
    }
}
