//! What the workflow's own state says about a review: why a task token is
//! closed, and what a review whose execution has moved on becomes.

use super::execution_status::ExecutionStatus;
use super::review::ReviewStatus;

/// How a review ends when its execution is no longer waiting for it,
/// from `DescribeExecution`'s status and error: expired or closed
/// upstream, with the reason. `None` while it waits.
pub fn review_outcome(
    status: &ExecutionStatus,
    error: Option<&str>,
) -> Option<(ReviewStatus, String)> {
    let timed_out = matches!(
        error,
        Some("States.Timeout" | "States.HeartbeatTimeout" | "Signoff.NoDecision")
    );
    Some(match status {
        waiting if waiting.still_waits() => return None,
        ExecutionStatus::TimedOut => (
            ReviewStatus::Expired,
            "The workflow timed out before anyone decided.".into(),
        ),
        _ if timed_out => (
            ReviewStatus::Expired,
            "The workflow gave up waiting for a decision.".into(),
        ),
        ExecutionStatus::Aborted => (
            ReviewStatus::ClosedUpstream,
            "The workflow execution was stopped.".into(),
        ),
        ExecutionStatus::Succeeded => (
            ReviewStatus::ClosedUpstream,
            "The workflow finished without this review.".into(),
        ),
        ExecutionStatus::Failed => (
            ReviewStatus::ClosedUpstream,
            format!(
                "The workflow failed ({}).",
                error.unwrap_or("no error name")
            ),
        ),
        other => (
            ReviewStatus::ClosedUpstream,
            format!("The workflow is {other}."),
        ),
    })
}

/// What a closed task token turned out to mean for a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosedTask {
    /// Step Functions already had this decision: an earlier attempt got
    /// through and only its reply was lost.
    AlreadyDelivered,
    /// The task ended without this decision, for this reason.
    Closed(String),
}

/// Reads the execution's state after a decision found its task closed.
pub fn closed_task(
    status: &ExecutionStatus,
    error: Option<&str>,
    decision_was_approval: bool,
) -> ClosedTask {
    let delivered_earlier = match (status, error) {
        (ExecutionStatus::Succeeded, _) => decision_was_approval,
        (ExecutionStatus::Failed, Some("Signoff.Rejected")) => true,
        _ => false,
    };
    if delivered_earlier {
        return ClosedTask::AlreadyDelivered;
    }
    ClosedTask::Closed(match review_outcome(status, error) {
        Some((_, reason)) => reason,
        None => "The task no longer waits for a decision (it timed out and the workflow moved on)."
            .into(),
    })
}

/// An EventBridge "Step Functions Execution Status Change" event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionEvent {
    pub execution_arn: String,
    pub status: ExecutionStatus,
    pub error: Option<String>,
}

/// Reads an execution status event; `Ok(None)` for any other event (the
/// rule may route more than Signoff needs), `Err` for a malformed one.
pub fn parse_execution_event(body: &str) -> Result<Option<ExecutionEvent>, String> {
    let event: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    if event["detail-type"] != "Step Functions Execution Status Change" {
        return Ok(None);
    }
    let detail = &event["detail"];
    let text = |key: &str| detail[key].as_str().map(str::to_owned);
    let execution_arn = text("executionArn").ok_or("detail.executionArn is missing")?;
    let status = text("status").ok_or("detail.status is missing")?;
    Ok(Some(ExecutionEvent {
        execution_arn,
        status: ExecutionStatus::parse(&status),
        error: text("error"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_events_are_read_and_others_ignored() {
        let body = serde_json::json!({
            "version": "0", "detail-type": "Step Functions Execution Status Change", "source": "aws.states",
            "detail": {"executionArn": "arn:aws:states:us-east-1:1:execution:m:r", "status": "TIMED_OUT", "error": null}
        })
        .to_string();
        assert_eq!(
            parse_execution_event(&body),
            Ok(Some(ExecutionEvent {
                execution_arn: "arn:aws:states:us-east-1:1:execution:m:r".into(),
                status: ExecutionStatus::TimedOut,
                error: None,
            }))
        );
        let other = r#"{"detail-type": "EC2 Instance State-change Notification", "detail": {}}"#;
        assert_eq!(parse_execution_event(other), Ok(None));
        let broken = r#"{"detail-type": "Step Functions Execution Status Change", "detail": {"status": "FAILED"}}"#;
        assert_eq!(
            parse_execution_event(broken),
            Err("detail.executionArn is missing".into())
        );
        assert!(parse_execution_event("{")
            .unwrap_err()
            .starts_with("not JSON"));
    }

    fn status(name: &str) -> ExecutionStatus {
        ExecutionStatus::parse(name)
    }

    #[test]
    fn a_running_execution_keeps_its_review() {
        assert_eq!(review_outcome(&status("RUNNING"), None), None);
        assert_eq!(review_outcome(&status("PENDING_REDRIVE"), None), None);
    }

    #[test]
    fn timeouts_expire_the_review() {
        for (name, error) in [
            ("TIMED_OUT", None),
            ("FAILED", Some("States.Timeout")),
            ("FAILED", Some("Signoff.NoDecision")),
        ] {
            assert_eq!(
                review_outcome(&status(name), error).unwrap().0,
                ReviewStatus::Expired,
                "{name} {error:?}"
            );
        }
    }

    #[test]
    fn other_endings_close_the_review_upstream_with_a_reason() {
        assert_eq!(
            review_outcome(&status("ABORTED"), None),
            Some((
                ReviewStatus::ClosedUpstream,
                "The workflow execution was stopped.".into()
            ))
        );
        assert_eq!(
            review_outcome(&status("FAILED"), Some("States.TaskFailed"))
                .unwrap()
                .1,
            "The workflow failed (States.TaskFailed)."
        );
        assert_eq!(
            review_outcome(&status("PAUSED"), None),
            Some((
                ReviewStatus::ClosedUpstream,
                "The workflow is PAUSED.".into()
            )),
            "a status added later closes the review, naming it"
        );
    }

    #[test]
    fn a_lost_reply_is_recognised() {
        assert_eq!(
            closed_task(&status("SUCCEEDED"), None, true),
            ClosedTask::AlreadyDelivered
        );
        assert_eq!(
            closed_task(&status("FAILED"), Some("Signoff.Rejected"), false),
            ClosedTask::AlreadyDelivered
        );
        let closed = |s, e, a| match closed_task(&status(s), e, a) {
            ClosedTask::Closed(reason) => reason,
            other => panic!("{other:?}"),
        };
        assert!(closed("SUCCEEDED", None, false).contains("finished without"));
        assert!(closed("RUNNING", None, true).contains("timed out"));
        assert!(closed("ABORTED", None, true).contains("stopped"));
    }
}
