//! Approval policy set by the platform: rules from the configuration file,
//! matched on the state machine, the model and the stage of a request, say
//! how many approvals a review needs, who may give them, whether a
//! requester must be named and when a review approves by itself. A request
//! may tighten its rule (more approvals, a narrower group), never loosen it.
//! Without rules, the request's own fields apply, as they always did.
//!
//! Pure: the rules are parsed by the server from the file (`rules`),
//! resolved here against each request at intake, and the result
//! ([`EffectivePolicy`]) is stored with the review, shown and audited
//! (`explain`) and sent back to the workflow; `auto` says when a rule
//! approves by itself.

mod auto;
mod explain;
mod rules;
mod scope;

pub use auto::{auto_approval, Evidence};
pub use rules::{AutoApprove, Glob, Policies, PolicyRule, StateMachine};
pub use scope::{rule_name_problem, Scope};

use super::decision::ApprovalsNeeded;
use super::intake::{FieldError, ReviewRequest, ReviewSpec};
use serde::{Deserialize, Serialize};

/// The policy a review is held to, and where each part of it came from.
/// Stored with the review at intake, so a later change of the file does not
/// move the bar under a review already waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectivePolicy {
    /// The rule that applied and the file's version; `None`: no policy
    /// file, the request's own fields apply.
    pub rule: Option<RuleRef>,
    pub required_approvals: u32,
    /// Who may decide (besides leads); empty: any reviewer.
    pub reviewer_groups: Vec<String>,
    /// At least one approval from a member of each.
    pub approval_from: Vec<String>,
    pub requester_required: bool,
    /// When the rule approves by itself.
    pub auto_approve: Option<AutoApprove>,
    /// What the request asked for itself.
    pub asked: Asked,
}

/// A rule, as a resolved policy names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    pub name: String,
    /// The SHA-256 of the configuration file the rule came from.
    pub version: String,
    pub min_approvals: u32,
    pub reviewer_groups: Vec<String>,
}

/// The request's own approval fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Asked {
    pub approvals: Option<u32>,
    pub group: Option<String>,
}

impl EffectivePolicy {
    /// What this policy asks of approvals, as the decision rules read it.
    pub fn approvals_needed(&self) -> ApprovalsNeeded<'_> {
        ApprovalsNeeded {
            count: self.required_approvals,
            from_groups: &self.approval_from,
        }
    }

    /// What the queue's group filter matches (exact text): the groups who
    /// may decide, joined by ", "; `None` when any reviewer may.
    pub fn queue_group(&self) -> Option<String> {
        (!self.reviewer_groups.is_empty()).then(|| self.reviewer_groups.join(", "))
    }

    /// The policy of a review stored before policies existed, or received
    /// without a policy file: the request's own fields.
    pub fn from_request(spec: &ReviewSpec) -> Self {
        let asked = Asked {
            approvals: spec.required_approvals,
            group: spec.reviewer_group.clone(),
        };
        Self {
            rule: None,
            required_approvals: asked.approvals.unwrap_or(1).max(1),
            reviewer_groups: asked.group.clone().into_iter().collect(),
            approval_from: Vec::new(),
            requester_required: true,
            auto_approve: None,
            asked,
        }
    }

    /// "policy:<rule>": who an approval by the rule itself is recorded as.
    pub fn auto_approver(&self) -> Option<String> {
        let rule = self.rule.as_ref()?;
        self.auto_approve
            .as_ref()
            .map(|_| format!("policy:{}", rule.name))
    }
}

/// The first 12 hex digits of a file version, as shown.
pub fn short_version(version: &str) -> &str {
    version.get(..12).unwrap_or(version)
}

/// The policy a request is held to, or why no policy admits it. Problems
/// name the request's field, as intake's other reasons do.
pub fn resolve(
    policies: Option<&Policies>,
    request: &ReviewRequest,
) -> Result<EffectivePolicy, Vec<FieldError>> {
    let spec = &request.spec;
    let Some(policies) = policies else {
        let policy = EffectivePolicy::from_request(spec);
        return match &spec.requested_by {
            Some(_) => Ok(policy),
            None => Err(vec![field("review.requestedBy", "is required".into())]),
        };
    };
    let machine = StateMachine::of_execution(&request.execution_arn).ok_or_else(|| {
        vec![field(
            "executionArn",
            "names no state machine (arn:…:states:…:execution:<state machine>:<run>)".into(),
        )]
    })?;
    let stage = spec.model.stage.as_deref();
    let rule = policies
        .rule_for(&machine, &spec.model.name, stage)
        .ok_or_else(|| {
            vec![field(
                "executionArn",
                format!(
                    "no policy rule admits state machine {} (model {}, stage {})",
                    machine.name,
                    spec.model.name,
                    stage.unwrap_or("none")
                ),
            )]
        })?;
    tighten(rule, policies.version(), spec)
}

/// The rule, as the request may tighten it.
fn tighten(
    rule: &PolicyRule,
    version: &str,
    spec: &ReviewSpec,
) -> Result<EffectivePolicy, Vec<FieldError>> {
    let mut problems = Vec::new();
    if rule.require_requester && spec.requested_by.is_none() {
        problems.push(field(
            "review.requestedBy",
            format!("is required by policy rule {}", rule.name),
        ));
    }
    let reviewer_groups = match &spec.reviewer_group {
        None => rule.reviewer_groups.clone(),
        Some(group) if rule.reviewer_groups.is_empty() || rule.reviewer_groups.contains(group) => {
            vec![group.clone()]
        }
        Some(_) => {
            problems.push(field(
                "review.reviewerGroup",
                format!(
                    "names a group that may not decide under policy rule {} (its groups: {}); \
                     a request may only narrow them",
                    rule.name,
                    rule.reviewer_groups.join(", ")
                ),
            ));
            Vec::new()
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let asked = Asked {
        approvals: spec.required_approvals,
        group: spec.reviewer_group.clone(),
    };
    let groups_needed = u32::try_from(rule.approval_from.len()).unwrap_or(u32::MAX);
    let required_approvals = rule
        .min_approvals
        .max(asked.approvals.unwrap_or(0))
        .max(groups_needed)
        .max(1);
    // A request that asks for more people than its rule wants people: the
    // rule does not approve it by itself.
    let auto_approve = rule
        .auto_approve
        .clone()
        .filter(|_| asked.approvals.is_none_or(|n| n <= rule.min_approvals));
    Ok(EffectivePolicy {
        rule: Some(RuleRef {
            name: rule.name.clone(),
            version: version.to_owned(),
            min_approvals: rule.min_approvals,
            reviewer_groups: rule.reviewer_groups.clone(),
        }),
        required_approvals,
        reviewer_groups,
        approval_from: rule.approval_from.clone(),
        requester_required: rule.require_requester,
        auto_approve,
        asked,
    })
}

fn field(name: &str, reason: String) -> FieldError {
    FieldError {
        field: name.to_owned(),
        reason,
    }
}

#[cfg(test)]
pub(super) mod fixtures {
    use super::*;
    use crate::domain::intake::parse_review_request;
    use crate::domain::metrics::{compare, DirectionRules};
    use serde_json::{json, Value};

    pub const MACHINE: &str = "arn:aws:states:eu-west-1:123456789012:stateMachine:model-release";

    pub fn request(machine: &str, review: Value) -> ReviewRequest {
        let mut full = json!({
            "title": "Promote churn-model v42",
            "model": {"name": "churn-model", "version": "42", "stage": "production"},
            "metrics": {"auc": 0.91, "flagged_rate": 0.05},
            "thresholds": {"auc": {"min": 0.85}, "flagged_rate": {"max": 0.06}},
            "requestedBy": "ci@example.com"
        });
        for (key, value) in review.as_object().unwrap() {
            if value.is_null() {
                full.as_object_mut().unwrap().remove(key);
            } else {
                full[key] = value.clone();
            }
        }
        let message = json!({
            "taskToken": "token-1",
            "executionArn": format!("arn:aws:states:eu-west-1:123456789012:execution:{machine}:run-1"),
            "stateName": "RequestApproval",
            "enteredTime": "2026-11-21T08:47:30Z",
            "review": full,
        });
        parse_review_request(&message.to_string()).unwrap()
    }

    pub fn rules(rules: Value) -> Policies {
        let rules: Vec<PolicyRule> = serde_json::from_value(rules).unwrap();
        Policies::new(rules, "ab12cd34ef56ab12cd34ef56".into()).unwrap()
    }

    pub fn prod_models() -> Policies {
        rules(json!([
            {"name": "prod-models", "state_machines": ["model-release*"], "models": ["churn-*", "fraud-*"],
             "stages": ["production"], "min_approvals": 2, "reviewer_groups": ["ml-reviewers"]},
            {"name": "everything-else", "state_machines": [MACHINE], "min_approvals": 1},
        ]))
    }

    pub fn resolved(policies: &Policies, review: Value) -> Result<EffectivePolicy, Vec<String>> {
        resolve(Some(policies), &request("model-release", review))
            .map_err(|errors| errors.iter().map(ToString::to_string).collect())
    }

    pub fn auto_policies() -> Policies {
        rules(
            json!([{"name": "staging-auto", "auto_approve": {"all_thresholds_pass": true, "stage_not": ["production"]}}]),
        )
    }

    pub fn auto(review: Value) -> Option<Result<Evidence, String>> {
        let request = request("model-release", review);
        let policy = resolve(Some(&auto_policies()), &request).unwrap();
        let metrics = compare(&request.spec, &DirectionRules::default());
        auto_approval(&policy, &metrics, request.spec.model.stage.as_deref())
    }

    pub fn staging() -> Value {
        json!({"name": "churn-model", "version": "42", "stage": "staging"})
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_rule_that_covers_a_request_applies() {
        let policies = prod_models();
        let policy = resolved(&policies, json!({})).unwrap();
        assert_eq!(policy.rule.as_ref().unwrap().name, "prod-models");
        let staging = resolved(
            &policies,
            json!({"model": {"name": "churn-model", "version": "1", "stage": "staging"}}),
        );
        assert_eq!(
            staging.unwrap().rule.unwrap().name,
            "everything-else",
            "by ARN"
        );
        let other_model = resolved(
            &policies,
            json!({"model": {"name": "ranker", "version": "1", "stage": "production"}}),
        );
        assert_eq!(other_model.unwrap().rule.unwrap().name, "everything-else");
        let no_stage = resolved(
            &policies,
            json!({"model": {"name": "churn-model", "version": "1"}}),
        );
        assert_eq!(no_stage.unwrap().rule.unwrap().name, "everything-else");
    }

    #[test]
    fn a_state_machine_no_rule_admits_is_refused_by_name() {
        let errors =
            resolve(Some(&prod_models()), &request("side-project", json!({}))).unwrap_err();
        assert_eq!(
            errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["executionArn: no policy rule admits state machine side-project (model churn-model, stage production)"]
        );
    }

    #[test]
    fn a_request_cannot_lower_the_rules_approvals_or_leave_out_its_group() {
        let policy = resolved(&prod_models(), json!({"requiredApprovals": 1})).unwrap();
        assert_eq!(policy.required_approvals, 2);
        assert_eq!(policy.reviewer_groups, ["ml-reviewers"]);
        assert_eq!(
            policy.headline(),
            "2 approvals from ml-reviewers: rule prod-models; the request asked for 1 and named no group"
        );
    }

    #[test]
    fn a_request_may_raise_the_approvals_and_narrow_the_groups() {
        let policies = rules(
            json!([{"name": "two-teams", "min_approvals": 2, "reviewer_groups": ["ml-reviewers", "fraud-reviewers"]}]),
        );
        let policy = resolved(
            &policies,
            json!({"requiredApprovals": 3, "reviewerGroup": "fraud-reviewers"}),
        )
        .unwrap();
        assert_eq!(policy.required_approvals, 3);
        assert_eq!(policy.reviewer_groups, ["fraud-reviewers"]);
        assert_eq!(
            policy.headline(),
            "3 approvals from fraud-reviewers: rule two-teams; the request raised it to 3 (the rule asks for 2) and narrowed the groups to fraud-reviewers"
        );
        let open = rules(json!([{"name": "any-reviewer"}]));
        let policy = resolved(&open, json!({"reviewerGroup": "ml-reviewers"})).unwrap();
        assert_eq!(
            policy.reviewer_groups,
            ["ml-reviewers"],
            "a group narrows 'any reviewer'"
        );
        assert_eq!(policy.required_approvals, 1);
    }

    #[test]
    fn a_group_outside_the_rules_groups_is_refused() {
        let errors = resolved(&prod_models(), json!({"reviewerGroup": "interns"})).unwrap_err();
        assert_eq!(
            errors,
            ["review.reviewerGroup: names a group that may not decide under policy rule prod-models (its groups: ml-reviewers); a request may only narrow them"]
        );
    }

    #[test]
    fn a_rule_says_whether_a_requester_must_be_named() {
        let strict = rules(json!([{"name": "strict"}]));
        let errors = resolved(&strict, json!({"requestedBy": null})).unwrap_err();
        assert_eq!(
            errors,
            ["review.requestedBy: is required by policy rule strict"]
        );
        let lenient = rules(json!([{"name": "lenient", "require_requester": false}]));
        let policy = resolved(&lenient, json!({"requestedBy": null})).unwrap();
        assert!(!policy.requester_required);
    }

    #[test]
    fn approval_from_groups_raise_the_count_to_cover_them() {
        let policies = rules(json!([{"name": "four-eyes", "approval_from": ["ml-leads", "risk"]}]));
        let policy = resolved(&policies, json!({})).unwrap();
        assert_eq!(policy.required_approvals, 2);
        assert_eq!(policy.approval_from, ["ml-leads", "risk"]);
    }

    #[test]
    fn without_a_policy_file_the_request_sets_its_own_rules() {
        let request = request(
            "anything",
            json!({"requiredApprovals": 2, "reviewerGroup": "ml-reviewers"}),
        );
        let policy = resolve(None, &request).unwrap();
        assert_eq!(policy.rule, None);
        assert_eq!(policy.required_approvals, 2);
        assert_eq!(policy.reviewer_groups, ["ml-reviewers"]);
        assert_eq!(
            policy.headline(),
            "2 approvals from ml-reviewers: the request's own fields (no policy file)"
        );
        let anonymous = super::super::intake::parse_review_request(
            &json!({
                "taskToken": "token-xyz-1", "executionArn": "arn:aws:states:us-east-1:1:execution:m:r",
                "stateName": "s", "enteredTime": "2026-11-21T08:47:30Z",
                "review": {"title": "t", "model": {"name": "m", "version": "1"}, "metrics": {}}
            })
            .to_string(),
        )
        .unwrap();
        let errors = resolve(None, &anonymous).unwrap_err();
        assert_eq!(errors[0].to_string(), "review.requestedBy: is required");
    }

    #[test]
    fn a_request_asking_for_more_people_is_not_approved_by_the_rule() {
        let request = request(
            "model-release",
            json!({"model": staging(), "requiredApprovals": 2}),
        );
        let policy = resolve(Some(&auto_policies()), &request).unwrap();
        assert_eq!(policy.auto_approve, None);
        assert_eq!(policy.required_approvals, 2);
    }
}
