//! `signoff config check FILE [--request REQUEST.json]`: validates a
//! configuration file and lists its rules; for a sample request, prints the
//! policy intake would hold it to and whether its rule would approve it by
//! itself, or every reason intake would reject it. The same functions as
//! intake decide, so what it prints is what Signoff does.

use app::domain::intake::parse_review_request;
use app::domain::metrics::{compare, DirectionRules};
use app::domain::policy::{auto_approval, resolve, short_version, Policies};
use serde_json::Value;
use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;

/// Placeholders for the fields Step Functions fills in, so a sample can be
/// the `MessageBody` a pipeline author writes, without a real token.
const PLACEHOLDERS: [(&str, &str); 3] = [
    ("taskToken", "signoff-config-check"),
    ("stateName", "RequestApproval"),
    ("enteredTime", "2026-01-01T00:00:00Z"),
];

pub fn run(file: &Path, request: Option<&Path>) -> anyhow::Result<ExitCode> {
    let policies = match crate::config_file::load(file) {
        Ok(policies) => policies,
        Err(error) => {
            println!("{} is not valid:\n{error:#}", file.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    print!(
        "{}",
        describe_file(&file.display().to_string(), policies.as_ref())
    );
    let Some(request) = request else {
        return Ok(ExitCode::SUCCESS);
    };
    let body = std::fs::read_to_string(request)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", request.display()))?;
    let (text, admitted) = check_request(policies.as_ref(), &body);
    print!("\nFor {}:\n{text}", request.display());
    Ok(if admitted {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The file's rules, in the order intake tries them.
pub fn describe_file(name: &str, policies: Option<&Policies>) -> String {
    let Some(policies) = policies else {
        return format!(
            "{name} is valid and holds no [[policy]] rules: each request sets its own \
             approvals, reviewer group and requester.\n"
        );
    };
    let mut text = format!(
        "{name} is valid: {} policy {} (version {}), tried in this order:\n",
        policies.rules().len(),
        if policies.rules().len() == 1 {
            "rule"
        } else {
            "rules"
        },
        short_version(policies.version())
    );
    for (index, rule) in policies.rules().iter().enumerate() {
        let _ = writeln!(text, "  {}. {}: {}", index + 1, rule.name, rule.describe());
    }
    text.push_str("  A request none of them covers is rejected at intake.\n");
    text
}

/// What intake would make of `body`; `true` when it would be admitted.
pub fn check_request(policies: Option<&Policies>, body: &str) -> (String, bool) {
    let body = with_placeholders(body);
    let request = match parse_review_request(&body) {
        Ok(request) => request,
        Err(rejection) => {
            return (
                rejected(rejection.errors.iter().map(ToString::to_string)),
                false,
            )
        }
    };
    let policy = match resolve(policies, &request) {
        Ok(policy) => policy,
        Err(errors) => return (rejected(errors.iter().map(ToString::to_string)), false),
    };
    let mut text = String::from("  Admitted. Its policy:\n");
    for line in policy.lines() {
        let _ = writeln!(text, "    {line}");
    }
    let metrics = compare(&request.spec, &DirectionRules::default());
    match auto_approval(&policy, &metrics, request.spec.model.stage.as_deref()) {
        None => {}
        Some(Ok(evidence)) => {
            let _ = writeln!(
                text,
                "  Its rule approves it by itself: {}.",
                evidence.join("; ")
            );
        }
        Some(Err(why)) => {
            let _ = writeln!(text, "  Its rule does not approve it by itself: {why}.");
        }
    }
    (text, true)
}

fn rejected(reasons: impl Iterator<Item = String>) -> String {
    let mut text =
        String::from("  Intake would reject it (and fail its task with Signoff.InvalidRequest):\n");
    for reason in reasons {
        let _ = writeln!(text, "    {reason}");
    }
    text
}

/// The sample with the fields Step Functions fills in, where it left them out.
fn with_placeholders(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(mut message)) => {
            for (key, value) in PLACEHOLDERS {
                message
                    .entry(key)
                    .or_insert_with(|| Value::String(value.to_owned()));
            }
            Value::Object(message).to_string()
        }
        // Not an object: intake's own parser says what is wrong with it.
        _ => body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policies() -> Policies {
        crate::config_file::parse(include_bytes!("../../deploy/signoff.example.toml"))
            .unwrap()
            .unwrap()
    }

    fn sample(machine: &str, stage: &str) -> String {
        json!({
            "executionArn": format!("arn:aws:states:eu-west-1:123456789012:execution:{machine}:run-7"),
            "review": {
                "title": "Promote churn-model v42", "model": {"name": "churn-model", "version": "42", "stage": stage},
                "metrics": {"auc": 0.91}, "thresholds": {"auc": {"min": 0.85}},
                "requestedBy": "ci@example.com", "requiredApprovals": 1
            }
        })
        .to_string()
    }

    #[test]
    fn a_production_request_is_held_to_two_approvals() {
        let (text, admitted) =
            check_request(Some(&policies()), &sample("model-release", "production"));
        assert!(admitted, "{text}");
        assert!(
            text.contains("2 approvals from ml-reviewers: rule production; the request asked for 1 and named no group"),
            "{text}"
        );
    }

    #[test]
    fn a_staging_request_that_passes_is_approved_by_its_rule() {
        let (text, admitted) =
            check_request(Some(&policies()), &sample("model-release", "staging"));
        assert!(admitted);
        assert!(
            text.contains("Its rule approves it by itself: the one threshold passes (auc 0.91 (threshold ≥ 0.85)); stage staging is not production."),
            "{text}"
        );
    }

    #[test]
    fn a_request_from_an_unknown_state_machine_is_rejected_by_name() {
        let (text, admitted) =
            check_request(Some(&policies()), &sample("side-project", "production"));
        assert!(!admitted);
        assert!(
            text.contains("executionArn: no policy rule admits state machine side-project"),
            "{text}"
        );
    }

    #[test]
    fn the_file_is_listed_rule_by_rule() {
        let text = describe_file("signoff.toml", Some(&policies()));
        assert!(
            text.starts_with("signoff.toml is valid: 4 policy rules"),
            "{text}"
        );
        assert!(text.contains("  1. production: state machine model-release*; any model; stage production → 2 approvals from ml-reviewers"), "{text}");
        assert!(describe_file("empty.toml", None).contains("holds no [[policy]] rules"));
    }
}
