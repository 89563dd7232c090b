//! A resolved policy in words: the headline the page, the audit log and
//! the workflow's answer carry ("2 approvals from ml-reviewers: rule
//! prod-models; the request asked for 1"), and a line for each other part.

use super::rules::{join_and, plural};
use super::{short_version, EffectivePolicy};

impl EffectivePolicy {
    /// One line: "2 approvals from ml-reviewers: rule prod-models; the
    /// request asked for 1".
    pub fn headline(&self) -> String {
        let who = if self.reviewer_groups.is_empty() {
            "any reviewer".to_owned()
        } else {
            self.reviewer_groups.join(" or ")
        };
        format!(
            "{} {} from {who}: {}",
            self.required_approvals,
            plural(self.required_approvals, "approval"),
            self.sources()
        )
    }

    /// Where the numbers came from, in words.
    fn sources(&self) -> String {
        let Some(rule) = &self.rule else {
            return "the request's own fields (no policy file)".to_owned();
        };
        let mut asked = Vec::new();
        match self.asked.approvals {
            Some(n) if n > rule.min_approvals => asked.push(format!(
                "raised it to {n} (the rule asks for {})",
                rule.min_approvals
            )),
            Some(n) => asked.push(format!("asked for {n}")),
            None => {}
        }
        match (&self.asked.group, rule.reviewer_groups.len()) {
            (Some(group), 0) => asked.push(format!("named {group}")),
            (Some(group), n) if n > 1 => asked.push(format!("narrowed the groups to {group}")),
            (None, n) if n > 0 => asked.push("named no group".to_owned()),
            _ => {}
        }
        if asked.is_empty() {
            format!("rule {}", rule.name)
        } else {
            format!("rule {}; the request {}", rule.name, join_and(&asked))
        }
    }

    /// Every part of the policy, one line each, as the review page lists it.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.headline()];
        if !self.reviewer_groups.is_empty() {
            lines.push("Leads may decide too.".to_owned());
        }
        for group in &self.approval_from {
            lines.push(format!("At least one approval must come from {group}."));
        }
        lines.push(if self.requester_required {
            "The request must name its requester, who may not approve it.".to_owned()
        } else {
            "The request need not name a requester.".to_owned()
        });
        if let Some(auto) = &self.auto_approve {
            lines.push(format!("Approves by itself when {}.", auto.conditions()));
        }
        if let Some(rule) = &self.rule {
            lines.push(format!(
                "Policy file version {}.",
                short_version(&rule.version)
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::policy::fixtures::*;
    use serde_json::json;

    #[test]
    fn every_part_of_a_policy_is_explained() {
        let policies = rules(
            json!([{"name": "prod", "min_approvals": 2, "reviewer_groups": ["ml-reviewers"],
            "approval_from": ["ml-leads"]}]),
        );
        let policy = resolved(&policies, json!({})).unwrap();
        assert_eq!(
            policy.lines(),
            [
                "2 approvals from ml-reviewers: rule prod; the request named no group",
                "Leads may decide too.",
                "At least one approval must come from ml-leads.",
                "The request must name its requester, who may not approve it.",
                "Policy file version ab12cd34ef56.",
            ]
        );
    }
}
