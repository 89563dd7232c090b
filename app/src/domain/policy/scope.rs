//! Which reviews a rule of the configuration file covers: globs over the
//! state machine, the model and the stage, read the same way by a
//! `[[policy]]` rule and a `[[notify.route]]`, and the shape of a rule's
//! name.

use super::rules::{Glob, StateMachine};

/// The three lists of globs of a rule. Each list left empty matches every
/// review; a state machine glob starting `arn:` is matched against the
/// ARN, any other against the name; a review without a stage matches only
/// a rule that names none.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub state_machines: &'a [Glob],
    pub models: &'a [Glob],
    pub stages: &'a [Glob],
}

impl Scope<'_> {
    /// Whether a review from `state_machine` for `model` at `stage` is
    /// covered. Without a state machine (an execution ARN that names none),
    /// only a rule that names no state machine covers it.
    pub fn covers(
        &self,
        state_machine: Option<&StateMachine>,
        model: &str,
        stage: Option<&str>,
    ) -> bool {
        let machine = self.state_machines.is_empty()
            || state_machine.is_some_and(|machine| {
                self.state_machines.iter().any(|glob| {
                    if glob.as_str().starts_with("arn:") {
                        glob.matches(&machine.arn)
                    } else {
                        glob.matches(&machine.name)
                    }
                })
            });
        let model = self.models.is_empty() || self.models.iter().any(|g| g.matches(model));
        let stage = self.stages.is_empty()
            || stage.is_some_and(|stage| self.stages.iter().any(|g| g.matches(stage)));
        machine && model && stage
    }

    /// In words: `state machine model-release*; any model; stage production`.
    pub fn describe(&self) -> String {
        let list = |what: &str, globs: &[Glob]| {
            let names: Vec<&str> = globs.iter().map(Glob::as_str).collect();
            if names.is_empty() {
                format!("any {what}")
            } else {
                format!("{what} {}", names.join(", "))
            }
        };
        format!(
            "{}; {}; {}",
            list("state machine", self.state_machines),
            list("model", self.models),
            list("stage", self.stages)
        )
    }
}

/// What is wrong with a rule's name, if anything: names are shown, audited
/// and written into identifiers (`policy:<name>`), so they stay short and
/// plain.
pub fn rule_name_problem(name: &str) -> Option<&'static str> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    (!ok).then_some("name must be 1 to 64 letters, digits, '-', '_' or '.'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(patterns: &[&str]) -> Vec<Glob> {
        patterns.iter().map(|p| Glob::new(p).unwrap()).collect()
    }

    fn machine(name: &str) -> StateMachine {
        StateMachine {
            name: name.into(),
            arn: format!("arn:aws:states:eu-west-1:123456789012:stateMachine:{name}"),
        }
    }

    #[test]
    fn each_list_narrows_and_an_empty_one_matches_everything() {
        let (machines, models, stages) = (
            globs(&["model-release*"]),
            globs(&["churn-*"]),
            globs(&["production"]),
        );
        let scope = Scope {
            state_machines: &machines,
            models: &models,
            stages: &stages,
        };
        let release = machine("model-release");
        assert!(scope.covers(Some(&release), "churn-model", Some("production")));
        assert!(!scope.covers(Some(&machine("side")), "churn-model", Some("production")));
        assert!(!scope.covers(Some(&release), "ranker", Some("production")));
        assert!(!scope.covers(Some(&release), "churn-model", Some("staging")));
        assert!(!scope.covers(Some(&release), "churn-model", None));
        assert!(!scope.covers(None, "churn-model", Some("production")));
        let everything = Scope {
            state_machines: &[],
            models: &[],
            stages: &[],
        };
        assert!(everything.covers(None, "anything", None));
    }

    #[test]
    fn an_arn_glob_is_matched_against_the_arn() {
        let machines = globs(&["arn:aws:states:eu-west-1:*:stateMachine:model-*"]);
        let scope = Scope {
            state_machines: &machines,
            models: &[],
            stages: &[],
        };
        assert!(scope.covers(Some(&machine("model-release")), "m", None));
        let elsewhere = StateMachine {
            name: "model-release".into(),
            arn: "arn:aws:states:us-east-1:1:stateMachine:model-release".into(),
        };
        assert!(!scope.covers(Some(&elsewhere), "m", None));
    }

    #[test]
    fn names_are_short_and_plain() {
        for good in ["prod", "prod-reviewers", "a.b_c-1", &"x".repeat(64)] {
            assert_eq!(rule_name_problem(good), None, "{good}");
        }
        for bad in ["", "two words", "ünï", &"x".repeat(65), "a/b"] {
            assert!(rule_name_problem(bad).is_some(), "{bad}");
        }
    }
}
