//! Approval by a rule itself: whether a review meets its rule's
//! `auto_approve` conditions, with the inputs that met them as evidence, or
//! why not. A review with no threshold to check never qualifies.

use super::rules::AutoApprove;
use super::EffectivePolicy;
use crate::domain::metrics::{format_threshold, format_value, Check, MetricComparison};

/// Why a rule approves a review by itself: each condition, with the inputs
/// that met it ("all 2 thresholds pass (auc 0.912 ≥ 0.85; …)").
pub type Evidence = Vec<String>;

/// Whether `policy` approves a review with these `metrics` and `stage` by
/// itself: `None` when it never does, else the evidence, or why not.
pub fn auto_approval(
    policy: &EffectivePolicy,
    metrics: &[MetricComparison],
    stage: Option<&str>,
) -> Option<Result<Evidence, String>> {
    let auto = policy.auto_approve.as_ref()?;
    Some(evaluate_auto(auto, metrics, stage))
}

fn evaluate_auto(
    auto: &AutoApprove,
    metrics: &[MetricComparison],
    stage: Option<&str>,
) -> Result<Evidence, String> {
    let checked: Vec<&MetricComparison> = metrics
        .iter()
        .filter(|m| m.check != Check::NoThreshold)
        .collect();
    if checked.is_empty() || !auto.checks_thresholds() {
        return Err("the request sets no thresholds to check".to_owned());
    }
    let failing: Vec<&&MetricComparison> =
        checked.iter().filter(|m| m.check == Check::Fail).collect();
    let failing_count = u32::try_from(failing.len()).unwrap_or(u32::MAX);
    let mut evidence = Vec::new();
    if auto.all_thresholds_pass {
        if let Some(first) = failing.first() {
            return Err(format!(
                "{} of {} thresholds fail ({})",
                failing.len(),
                checked.len(),
                reading(first)
            ));
        }
        let passing = if checked.len() == 1 {
            "the one threshold passes".to_owned()
        } else {
            format!("all {} thresholds pass", checked.len())
        };
        let readings: Vec<String> = checked.iter().map(|m| reading(m)).collect();
        evidence.push(format!("{passing} ({})", readings.join("; ")));
    }
    if let Some(max) = auto.max_failing_metrics {
        if failing_count > max {
            return Err(format!(
                "{failing_count} metrics fail their thresholds, more than {max}"
            ));
        }
        evidence.push(format!(
            "{failing_count} of {} metrics fail their thresholds (at most {max} may)",
            checked.len()
        ));
    }
    if !auto.stage_not.is_empty() {
        match stage {
            None => return Err("the request names no stage".to_owned()),
            Some(stage) if auto.stage_not.iter().any(|s| s == stage) => {
                return Err(format!("the stage is {stage}"))
            }
            Some(stage) => evidence.push(format!(
                "stage {stage} is not {}",
                auto.stage_not.join(" or ")
            )),
        }
    }
    Ok(evidence)
}

/// `auc 0.912 ≥ 0.85`: a metric against its threshold.
fn reading(metric: &MetricComparison) -> String {
    let bound = metric.threshold.map(format_threshold).unwrap_or_default();
    format!(
        "{} {} (threshold {bound})",
        metric.name,
        format_value(metric.value)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::intake::ReviewRequest;
    use crate::domain::metrics::{compare, DirectionRules};
    use crate::domain::policy::fixtures::*;
    use crate::domain::policy::resolve;
    use serde_json::json;

    fn request_with_two_failing() -> ReviewRequest {
        request("m", json!({"metrics": {"auc": 0.8, "flagged_rate": 0.07}}))
    }

    #[test]
    fn a_rule_approves_by_itself_with_the_inputs_that_met_it() {
        let evidence = auto(json!({"model": staging()})).unwrap().unwrap();
        assert_eq!(
            evidence,
            [
                "all 2 thresholds pass (auc 0.91 (threshold ≥ 0.85); flagged_rate 0.05 (threshold ≤ 0.06))",
                "stage staging is not production",
            ]
        );
    }

    #[test]
    fn auto_approval_needs_every_condition() {
        assert_eq!(
            auto(json!({})).unwrap(),
            Err("the stage is production".into())
        );
        let failing =
            auto(json!({"model": staging(), "metrics": {"auc": 0.8, "flagged_rate": 0.05}}));
        assert_eq!(
            failing.unwrap(),
            Err("1 of 2 thresholds fail (auc 0.8 (threshold ≥ 0.85))".into())
        );
        let no_stage = auto(json!({"model": {"name": "churn-model", "version": "42"}}));
        assert_eq!(no_stage.unwrap(), Err("the request names no stage".into()));
    }

    #[test]
    fn a_review_with_no_thresholds_is_never_approved_by_a_rule() {
        let bare = auto(json!({"model": staging(), "thresholds": null}));
        assert_eq!(
            bare.unwrap(),
            Err("the request sets no thresholds to check".into())
        );
    }

    #[test]
    fn at_most_n_failing_metrics() {
        let policies =
            rules(json!([{"name": "lenient-auto", "auto_approve": {"max_failing_metrics": 1}}]));
        let request = request("m", json!({"metrics": {"auc": 0.8, "flagged_rate": 0.05}}));
        let policy = resolve(Some(&policies), &request).unwrap();
        let metrics = compare(&request.spec, &DirectionRules::default());
        assert_eq!(
            auto_approval(&policy, &metrics, None).unwrap(),
            Ok(vec![
                "1 of 2 metrics fail their thresholds (at most 1 may)".to_owned()
            ])
        );
        let worse = request_with_two_failing();
        let metrics = compare(&worse.spec, &DirectionRules::default());
        assert_eq!(
            auto_approval(&policy, &metrics, None).unwrap(),
            Err("2 metrics fail their thresholds, more than 1".into())
        );
    }
}
