//! The rules of the configuration file as written: which requests a rule
//! covers (globs over the state machine, model and stage), what it asks,
//! and the checks that refuse an impossible or loosening file at start-up.

use super::scope::{rule_name_problem, Scope};
use crate::domain::intake::MAX_REQUIRED_APPROVALS;
use serde::{Deserialize, Deserializer, Serialize};

/// A glob over a name (`model-release-*`, `churn-?`, `[ab]-ranker`).
#[derive(Debug, Clone)]
pub struct Glob(glob::Pattern);

impl Glob {
    pub fn new(pattern: &str) -> Result<Self, String> {
        glob::Pattern::new(pattern)
            .map(Self)
            .map_err(|e| format!("\"{pattern}\" is not a glob: {e}"))
    }

    pub fn matches(&self, name: &str) -> bool {
        self.0.matches(name)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl<'de> Deserialize<'de> for Glob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Glob::new(&text).map_err(serde::de::Error::custom)
    }
}

/// One `[[policy]]` rule of the configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// Shown wherever the rule applied; an auto-approval is by `policy:<name>`.
    pub name: String,
    /// State machines it covers: a name glob, or an ARN glob (`arn:…`).
    /// Each list left out matches every request.
    #[serde(default)]
    pub state_machines: Vec<Glob>,
    #[serde(default)]
    pub models: Vec<Glob>,
    /// Stages it covers; a request without a stage matches only a rule
    /// that names none.
    #[serde(default)]
    pub stages: Vec<Glob>,
    #[serde(default = "one")]
    pub min_approvals: u32,
    /// Members of any of these groups (and leads) may decide; none: any reviewer.
    #[serde(default)]
    pub reviewer_groups: Vec<String>,
    /// At least one approval must come from a member of each of these groups.
    #[serde(default)]
    pub approval_from: Vec<String>,
    #[serde(default = "yes")]
    pub require_requester: bool,
    pub auto_approve: Option<AutoApprove>,
}

impl PolicyRule {
    /// Which requests it covers.
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            state_machines: &self.state_machines,
            models: &self.models,
            stages: &self.stages,
        }
    }

    /// What the rule covers and asks, in one line, as `/settings` and
    /// `signoff config check` list it.
    pub fn describe(&self) -> String {
        let mut asks = vec![format!(
            "{} {} from {}",
            self.min_approvals,
            plural(self.min_approvals, "approval"),
            if self.reviewer_groups.is_empty() {
                "any reviewer".to_owned()
            } else {
                self.reviewer_groups.join(" or ")
            }
        )];
        asks.extend(
            self.approval_from
                .iter()
                .map(|group| format!("at least one from {group}")),
        );
        if !self.require_requester {
            asks.push("no requester needed".to_owned());
        }
        if let Some(auto) = &self.auto_approve {
            asks.push(format!("approves by itself when {}", auto.conditions()));
        }
        format!("{} → {}", self.scope().describe(), asks.join(", "))
    }
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// When a rule approves a review by itself. At least one condition must
/// look at thresholds: a review with nothing measured against a bar is
/// never approved without a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoApprove {
    /// Every threshold the request sets passes.
    #[serde(default)]
    pub all_thresholds_pass: bool,
    /// At most this many metrics fail their thresholds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failing_metrics: Option<u32>,
    /// The request's stage is none of these (a request without a stage
    /// does not qualify).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stage_not: Vec<String>,
}

impl AutoApprove {
    pub(super) fn checks_thresholds(&self) -> bool {
        self.all_thresholds_pass || self.max_failing_metrics.is_some()
    }

    /// The conditions in words: "every threshold passes and the stage is
    /// not production".
    pub fn conditions(&self) -> String {
        let mut parts = Vec::new();
        if self.all_thresholds_pass {
            parts.push("every threshold passes".to_owned());
        }
        if let Some(max) = self.max_failing_metrics {
            parts.push(format!("at most {max} {} fail", plural(max, "metric")));
        }
        if !self.stage_not.is_empty() {
            parts.push(format!("the stage is not {}", self.stage_not.join(" or ")));
        }
        join_and(&parts)
    }
}

/// The rules of one configuration file, checked, and its version (the
/// SHA-256 of the file), which every policy resolved from it carries.
#[derive(Debug, Clone)]
pub struct Policies {
    rules: Vec<PolicyRule>,
    version: String,
}

impl Policies {
    /// Checks the rules as a whole; every problem is named at once.
    pub fn new(rules: Vec<PolicyRule>, version: String) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let at = format!("policy {} ({:?})", index + 1, rule.name);
            problems.extend(
                rule_problems(rule)
                    .into_iter()
                    .map(|p| format!("{at}: {p}")),
            );
            if rules[..index].iter().any(|r| r.name == rule.name) {
                problems.push(format!("{at}: another rule has this name"));
            }
        }
        if problems.is_empty() {
            Ok(Self { rules, version })
        } else {
            Err(problems)
        }
    }

    pub fn rules(&self) -> &[PolicyRule] {
        &self.rules
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// The first rule that covers a request from `state_machine` for
    /// `model` at `stage`.
    pub fn rule_for(
        &self,
        state_machine: &StateMachine,
        model: &str,
        stage: Option<&str>,
    ) -> Option<&PolicyRule> {
        self.rules
            .iter()
            .find(|rule| rule.scope().covers(Some(state_machine), model, stage))
    }
}

fn rule_problems(rule: &PolicyRule) -> Vec<String> {
    let mut problems: Vec<String> = rule_name_problem(&rule.name)
        .map(str::to_owned)
        .into_iter()
        .collect();
    if !(1..=MAX_REQUIRED_APPROVALS).contains(&u64::from(rule.min_approvals)) {
        problems.push(format!(
            "min_approvals must be between 1 and {MAX_REQUIRED_APPROVALS}"
        ));
    }
    if rule.approval_from.len() as u64 > MAX_REQUIRED_APPROVALS {
        problems.push(format!(
            "approval_from names more than {MAX_REQUIRED_APPROVALS} groups"
        ));
    }
    let groups = rule.reviewer_groups.iter().chain(&rule.approval_from);
    if groups.into_iter().any(|g| g.trim().is_empty()) {
        problems.push("a group name is empty".to_owned());
    }
    if let Some(auto) = &rule.auto_approve {
        if !auto.checks_thresholds() {
            problems.push(
                "auto_approve checks no thresholds: set all_thresholds_pass = true or \
                 max_failing_metrics (a review with no thresholds to check is never \
                 approved by a rule)"
                    .to_owned(),
            );
        }
        if !rule.approval_from.is_empty() {
            problems.push(
                "auto_approve cannot be combined with approval_from: an approval by the \
                 rule would stand in for the group's"
                    .to_owned(),
            );
        }
    }
    problems
}

/// The state machine an execution belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMachine {
    pub name: String,
    pub arn: String,
}

impl StateMachine {
    /// From `arn:aws:states:<region>:<account>:execution:<machine>:<run>`.
    pub fn of_execution(execution_arn: &str) -> Option<Self> {
        let parts: Vec<&str> = execution_arn.split(':').collect();
        match parts.as_slice() {
            ["arn", partition, "states", region, account, "execution", machine, _run, ..]
                if !machine.is_empty() =>
            {
                Some(Self {
                    name: (*machine).to_owned(),
                    arn: format!(
                        "arn:{partition}:states:{region}:{account}:stateMachine:{machine}"
                    ),
                })
            }
            _ => None,
        }
    }
}

pub(super) fn plural(n: u32, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

pub(super) fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::fixtures::*;
    use serde_json::json;

    #[test]
    fn a_file_with_mistakes_names_each_one() {
        let rules: Vec<PolicyRule> = serde_json::from_value(json!([
            {"name": "no thresholds", "min_approvals": 0, "auto_approve": {"stage_not": ["production"]}},
            {"name": "no thresholds"},
            {"name": "mixed", "approval_from": ["ml-leads"], "auto_approve": {"all_thresholds_pass": true}},
        ]))
        .unwrap();
        let problems = Policies::new(rules, "v".into()).unwrap_err();
        assert_eq!(
            problems,
            [
                "policy 1 (\"no thresholds\"): name must be 1 to 64 letters, digits, '-', '_' or '.'",
                "policy 1 (\"no thresholds\"): min_approvals must be between 1 and 10",
                "policy 1 (\"no thresholds\"): auto_approve checks no thresholds: set all_thresholds_pass = true or max_failing_metrics (a review with no thresholds to check is never approved by a rule)",
                "policy 2 (\"no thresholds\"): name must be 1 to 64 letters, digits, '-', '_' or '.'",
                "policy 2 (\"no thresholds\"): another rule has this name",
                "policy 3 (\"mixed\"): auto_approve cannot be combined with approval_from: an approval by the rule would stand in for the group's",
            ]
        );
    }

    #[test]
    fn unknown_keys_and_bad_globs_are_refused() {
        let typo = serde_json::from_value::<PolicyRule>(json!({"name": "x", "min_aprovals": 2}));
        assert!(typo
            .unwrap_err()
            .to_string()
            .contains("unknown field `min_aprovals`"));
        let glob = serde_json::from_value::<PolicyRule>(json!({"name": "x", "models": ["[churn"]}));
        assert!(glob
            .unwrap_err()
            .to_string()
            .contains("\"[churn\" is not a glob"));
    }

    #[test]
    fn the_state_machine_comes_from_the_execution_arn() {
        assert_eq!(
            StateMachine::of_execution(
                "arn:aws:states:us-east-1:123456789012:execution:model-release:run-1"
            ),
            Some(StateMachine {
                name: "model-release".into(),
                arn: "arn:aws:states:us-east-1:123456789012:stateMachine:model-release".into(),
            })
        );
        assert_eq!(
            StateMachine::of_execution("arn:aws:states:us-east-1:1:execution::run"),
            None
        );
        assert_eq!(StateMachine::of_execution("run-1"), None);
    }

    #[test]
    fn a_rule_describes_itself_in_one_line() {
        let policies = rules(
            json!([{"name": "prod", "state_machines": ["model-release*"], "stages": ["production"],
            "min_approvals": 2, "reviewer_groups": ["ml-reviewers"], "approval_from": ["ml-leads"],
            "auto_approve": null}]),
        );
        assert_eq!(
            policies.rules()[0].describe(),
            "state machine model-release*; any model; stage production → 2 approvals from ml-reviewers, at least one from ml-leads"
        );
        assert_eq!(
            auto_policies().rules()[0].describe(),
            "any state machine; any model; any stage → 1 approval from any reviewer, approves by itself when every threshold passes and the stage is not production"
        );
    }
}
