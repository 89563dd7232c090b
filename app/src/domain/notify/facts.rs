//! What a notification may say about a review: the facts routes match on
//! and messages are built from. It holds no task token and no artefact
//! URI by construction (there is no field for either), so no message built
//! from it can carry one.

use crate::domain::decision::{RecordedDecision, Verdict};
use crate::domain::intake::{ModelRef, ReviewSpec};
use crate::domain::metrics::{failing_thresholds, MetricComparison};
use crate::domain::policy::StateMachine;
use crate::domain::review::{DeliveryState, ReviewStatus};

/// One review as notifications see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewFacts {
    /// Signoff's own id: the deep link's, the buttons' value.
    pub review_id: String,
    pub title: String,
    pub model: ModelRef,
    /// From the execution ARN; `None` when it names none.
    pub state_machine: Option<StateMachine>,
    /// Who asked, as the workflow claims it.
    pub requested_by: Option<String>,
    pub deadline_ms: Option<i64>,
    pub status: ReviewStatus,
    pub approvals_have: u32,
    pub approvals_need: u32,
    /// Who made the latest decision, and when.
    pub decided_by: Option<String>,
    pub decided_at_ms: Option<i64>,
    /// Why it ended as it did: a rejection's comment, why it expired or
    /// closed upstream.
    pub outcome_reason: Option<String>,
    pub failing_thresholds: u32,
    /// Where the decision stands on its way to the workflow, once decided.
    pub delivery: Option<DeliveryState>,
    /// Against the baseline, with each metric's direction
    /// ([`crate::domain::metrics::compare`]).
    pub metrics: Vec<MetricComparison>,
}

impl ReviewFacts {
    /// The facts of a pending review, from its request: `metrics` is what
    /// [`crate::domain::metrics::compare`] made of it with the configured
    /// directions, `approvals_need` the review's policy's count. Artefacts
    /// and the token are left behind.
    pub fn pending(
        review_id: &str,
        execution_arn: &str,
        spec: &ReviewSpec,
        metrics: Vec<MetricComparison>,
        deadline_ms: Option<i64>,
        approvals_need: u32,
    ) -> Self {
        Self {
            review_id: review_id.to_owned(),
            title: spec.title.clone(),
            model: spec.model.clone(),
            state_machine: StateMachine::of_execution(execution_arn),
            requested_by: spec.requested_by.clone(),
            deadline_ms,
            status: ReviewStatus::Pending,
            approvals_have: 0,
            approvals_need,
            decided_by: None,
            decided_at_ms: None,
            outcome_reason: None,
            failing_thresholds: failing_thresholds(spec),
            delivery: None,
            metrics,
        }
    }

    /// The same review after its decisions so far and its status now: the
    /// approvals counted, the latest decision's reviewer, time and (for a
    /// rejection) comment; `status_reason` for a review that ended without
    /// a decision.
    pub fn with_outcome(
        mut self,
        status: ReviewStatus,
        decisions: &[RecordedDecision],
        status_reason: Option<&str>,
    ) -> Self {
        self.status = status;
        self.approvals_have = u32::try_from(
            decisions
                .iter()
                .filter(|d| d.verdict == Verdict::Approve)
                .count(),
        )
        .unwrap_or(u32::MAX);
        let latest = decisions.iter().max_by_key(|d| d.at_ms);
        self.decided_by = latest.map(|d| d.reviewer_label.clone());
        self.decided_at_ms = latest.map(|d| d.at_ms);
        self.outcome_reason = match latest {
            Some(d) if d.verdict == Verdict::Reject => d.comment.clone(),
            _ => status_reason.map(str::to_owned),
        };
        self
    }

    /// The same review with its decision's delivery as it stands.
    pub fn with_delivery(mut self, delivery: Option<DeliveryState>) -> Self {
        self.delivery = delivery;
        self
    }

    /// Whether the review still waits for a decision.
    pub fn is_pending(&self) -> bool {
        self.status.is_pending()
    }

    /// The requester's address, when `requestedBy` is one (a CI job's name
    /// is not): the only person told who is not on a route.
    pub fn requester_email(&self) -> Option<&str> {
        self.requested_by
            .as_deref()
            .map(str::trim)
            .filter(|who| plausible_email(who))
    }
}

/// One `@` between a non-empty local part and a domain with a dot, no
/// spaces or control characters: enough to tell an address from a name.
/// The mail adapter parses it fully before sending.
pub fn plausible_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && text.len() <= 254
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::domain::intake::parse_review_request;
    use crate::domain::metrics::{compare, DirectionRules};
    use serde_json::{json, Value};

    pub const ARTEFACT_URI: &str = "s3://ml-artefacts/churn/42/report.html";
    pub const TASK_TOKEN: &str = "AAAAKgAAAAIAAAAAAAAAAtoken-secret-xyz";

    /// A request as the workflow sends it, token and artefacts included,
    /// with `review` merged over the defaults.
    pub fn facts_from(review: Value) -> ReviewFacts {
        let mut full = json!({
            "title": "Promote churn-model v42 to production",
            "model": {"name": "churn-model", "version": "42", "stage": "production"},
            "metrics":   {"auc": 0.912, "precision": 0.83, "flagged_rate": 0.071, "recall": 0.7, "latency_ms": 40},
            "baseline":  {"auc": 0.905, "precision": 0.84, "flagged_rate": 0.052, "recall": 0.72},
            "thresholds": {"auc": {"min": 0.85}, "flagged_rate": {"max": 0.06}},
            "artefacts": [{"label": "Evaluation report", "uri": ARTEFACT_URI}],
            "requestedBy": "ci@example.com",
        });
        for (key, value) in review.as_object().unwrap() {
            full[key] = value.clone();
        }
        let message = json!({
            "taskToken": TASK_TOKEN,
            "executionArn": "arn:aws:states:eu-west-1:123456789012:execution:model-release-prod:run-1",
            "stateName": "RequestApproval",
            "enteredTime": "2026-11-21T08:47:30Z",
            "review": full,
        });
        let request = parse_review_request(&message.to_string()).unwrap();
        let metrics = compare(&request.spec, &DirectionRules::default());
        ReviewFacts::pending(
            "rv-7f3a",
            &request.execution_arn,
            &request.spec,
            metrics,
            Some(1_795_305_600_000),
            2,
        )
    }

    pub fn facts() -> ReviewFacts {
        facts_from(json!({}))
    }

    pub fn decision(
        verdict: Verdict,
        who: &str,
        at_ms: i64,
        comment: Option<&str>,
    ) -> RecordedDecision {
        RecordedDecision {
            verdict,
            reviewer_subject: format!("sub-{who}"),
            reviewer_label: who.to_owned(),
            reviewer_groups: vec![],
            comment: comment.map(str::to_owned),
            at_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pending_reviews_facts_come_from_its_request_without_token_or_artefacts() {
        let facts = facts();
        assert_eq!(facts.title, "Promote churn-model v42 to production");
        assert_eq!(
            facts.state_machine.as_ref().map(|m| m.name.as_str()),
            Some("model-release-prod")
        );
        assert_eq!(facts.failing_thresholds, 1);
        assert_eq!(facts.metrics.len(), 5);
        assert_eq!((facts.approvals_have, facts.approvals_need), (0, 2));
        let debug = format!("{facts:?}");
        assert!(!debug.contains(ARTEFACT_URI) && !debug.contains("ml-artefacts"));
        assert!(!debug.contains(TASK_TOKEN) && !debug.contains("token-secret"));
    }

    #[test]
    fn the_outcome_names_the_latest_decision() {
        let approved = facts().with_outcome(
            ReviewStatus::Approved,
            &[
                decision(Verdict::Approve, "ana@example.com", 20, None),
                decision(Verdict::Approve, "bo@example.com", 10, Some("fine")),
            ],
            None,
        );
        assert_eq!(approved.approvals_have, 2);
        assert_eq!(approved.decided_by.as_deref(), Some("ana@example.com"));
        assert_eq!(approved.decided_at_ms, Some(20));
        assert_eq!(approved.outcome_reason, None);
        let rejected = facts().with_outcome(
            ReviewStatus::Rejected,
            &[decision(
                Verdict::Reject,
                "bo@example.com",
                30,
                Some("AUC dropped"),
            )],
            None,
        );
        assert_eq!(rejected.outcome_reason.as_deref(), Some("AUC dropped"));
        let expired = facts().with_outcome(ReviewStatus::Expired, &[], Some("the deadline passed"));
        assert_eq!(expired.decided_by, None);
        assert_eq!(
            expired.outcome_reason.as_deref(),
            Some("the deadline passed")
        );
    }

    #[test]
    fn only_an_address_is_a_requesters_email() {
        assert_eq!(facts().requester_email(), Some("ci@example.com"));
        for name in [
            "ci-bot",
            "ci @example.com",
            "a@b",
            "@example.com",
            "a@@example.com",
            "a@example.com.",
        ] {
            let facts = facts_from(json!({"requestedBy": name}));
            assert_eq!(facts.requester_email(), None, "{name}");
        }
        assert!(plausible_email("ml-reviewers@example.com"));
        assert!(!plausible_email("a@exa\u{0}mple.com"));
    }
}
