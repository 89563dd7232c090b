//! Metrics against the production baseline and the request's thresholds.

use super::intake::{ReviewSpec, Threshold};
use super::metric_direction::resolve;
pub use super::metric_direction::{Direction, DirectionRules, DirectionSource, KnownDirection};
use serde::{Deserialize, Serialize};

/// Whether a metric is within its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Pass,
    Fail,
    NoThreshold,
}

/// One metric as a reviewer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    pub name: String,
    pub value: f64,
    pub baseline: Option<f64>,
    /// `value - baseline`, when there is a baseline.
    pub delta: Option<f64>,
    pub threshold: Option<Threshold>,
    pub check: Check,
    /// Which way is better and who said so; `None` when nobody knows.
    pub direction: Option<KnownDirection>,
}

/// What a metric's change against its baseline means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Better,
    Worse,
    /// It moved, but nobody said which way is better: shown as neutral.
    DirectionUnknown,
    /// No baseline, or no change.
    None,
}

impl Change {
    /// Said after the delta, for those who cannot see its colour.
    pub fn words(self) -> &'static str {
        match self {
            Change::Better => "better",
            Change::Worse => "worse",
            Change::DirectionUnknown => "direction unknown",
            Change::None => "",
        }
    }
}

impl MetricComparison {
    /// Whether the change against baseline is for the better, the worse,
    /// of unknown meaning, or not there at all.
    pub fn change(&self) -> Change {
        let Some(delta) = self.delta.filter(|d| *d != 0.0) else {
            return Change::None;
        };
        match self.direction.map(|known| known.direction) {
            None => Change::DirectionUnknown,
            Some(Direction::HigherIsBetter) if delta > 0.0 => Change::Better,
            Some(Direction::LowerIsBetter) if delta < 0.0 => Change::Better,
            Some(_) => Change::Worse,
        }
    }
}

/// Compares every reported metric, in the order the request gave them.
pub fn compare(spec: &ReviewSpec, rules: &DirectionRules) -> Vec<MetricComparison> {
    spec.metrics
        .iter()
        .map(|metric| {
            let baseline = spec
                .baseline
                .iter()
                .find(|b| b.name == metric.name)
                .map(|b| b.value);
            let threshold = spec
                .thresholds
                .iter()
                .find(|t| t.name == metric.name)
                .map(|t| t.threshold);
            let requested = spec
                .directions
                .iter()
                .find(|d| d.name == metric.name)
                .map(|d| d.direction);
            MetricComparison {
                name: metric.name.clone(),
                value: metric.value,
                baseline,
                delta: baseline.map(|b| metric.value - b),
                threshold,
                check: threshold.map_or(Check::NoThreshold, |t| check(metric.value, t)),
                direction: resolve(&metric.name, requested, threshold, rules),
            }
        })
        .collect()
}

/// Bounds are inclusive: a metric exactly at its minimum passes.
pub fn check(value: f64, threshold: Threshold) -> Check {
    let above_min = threshold.min.is_none_or(|min| value >= min);
    let below_max = threshold.max.is_none_or(|max| value <= max);
    if above_min && below_max {
        Check::Pass
    } else {
        Check::Fail
    }
}

/// The few metrics a queue row shows: those failing their threshold first,
/// then those with a baseline or a threshold, each group in the request's
/// order, so a row that says "1 failing" always shows the failing metric.
pub fn key_metrics(rows: &[MetricComparison], count: usize) -> Vec<&MetricComparison> {
    let failing = rows.iter().filter(|r| r.check == Check::Fail);
    let telling = rows
        .iter()
        .filter(|r| r.check != Check::Fail && (r.baseline.is_some() || r.check == Check::Pass));
    failing.chain(telling).take(count).collect()
}

/// How many metrics break their threshold.
pub fn failing(rows: &[MetricComparison]) -> usize {
    rows.iter().filter(|r| r.check == Check::Fail).count()
}

/// How many of a request's metrics fail their thresholds: what the queue
/// filters on, stored with the review at intake. Which way is better does
/// not change whether a threshold fails, so no direction rules are asked.
pub fn failing_thresholds(spec: &ReviewSpec) -> u32 {
    u32::try_from(failing(&compare(spec, &DirectionRules::default()))).unwrap_or(u32::MAX)
}

/// One line on how the thresholds fared, e.g. `1 of 2 thresholds fail.`
pub fn threshold_summary(with_threshold: usize, failing: usize) -> String {
    match (with_threshold, failing) {
        (0, _) => "No thresholds were set.".to_owned(),
        (1, 0) => "The one threshold passes.".to_owned(),
        (1, _) => "The one threshold fails.".to_owned(),
        (n, 0) => format!("All {n} thresholds pass."),
        (n, f) => format!("{f} of {n} thresholds fail."),
    }
}

/// Below this magnitude a double's rounding error is far smaller than the
/// fourth decimal, so a shortest form with at most four decimals is also
/// what rounding to four decimals gives.
const SHORTEST_IS_EXACT_BELOW: f64 = 1e11;

/// A metric value with at most four decimals and no trailing zeros.
pub fn format_value(value: f64) -> String {
    // Every metric of every queue row is formatted on every page view, and
    // `{:.4}` formats exactly (a bignum fallback for most values: 4% of a
    // queue page's CPU time). Most metrics' shortest form already has four
    // decimals or fewer and reads the same, at a fraction of the cost.
    let shortest = value.to_string();
    let few_decimals = match shortest.split_once('.') {
        Some((_, decimals)) => decimals.len() <= 4,
        None => true,
    };
    if few_decimals && value.abs() < SHORTEST_IS_EXACT_BELOW {
        without_negative_zero(shortest)
    } else {
        rounded_to_four_decimals(value)
    }
}

/// `value` rounded exactly to four decimals, trailing zeros dropped.
fn rounded_to_four_decimals(value: f64) -> String {
    let exact = format!("{value:.4}");
    without_negative_zero(exact.trim_end_matches('0').trim_end_matches('.').to_owned())
}

/// "-0" reads as "0".
fn without_negative_zero(text: String) -> String {
    if text == "-0" {
        "0".to_owned()
    } else {
        text
    }
}

/// A delta with its arrow (`▲ +0.007`, `▼ −0.01`, `±0`).
pub fn format_delta_with_arrow(delta: f64) -> String {
    let arrow = if delta > 0.0 {
        "▲ "
    } else if delta < 0.0 {
        "▼ "
    } else {
        ""
    };
    format!("{arrow}{}", format_delta(delta))
}

/// A signed delta (`+0.007`, `−0.01`), with a real minus sign.
pub fn format_delta(delta: f64) -> String {
    let magnitude = format_value(delta.abs());
    if magnitude == "0" {
        "±0".to_owned()
    } else if delta > 0.0 {
        format!("+{magnitude}")
    } else {
        format!("−{magnitude}")
    }
}

/// A threshold as text: `≥ 0.85`, `≤ 0.06`, `0.1 – 0.2`.
pub fn format_threshold(threshold: Threshold) -> String {
    match (threshold.min, threshold.max) {
        (Some(min), Some(max)) => format!("{} – {}", format_value(min), format_value(max)),
        (Some(min), None) => format!("≥ {}", format_value(min)),
        (None, Some(max)) => format!("≤ {}", format_value(max)),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_reads_well_for_any_count() {
        assert_eq!(threshold_summary(0, 0), "No thresholds were set.");
        assert_eq!(threshold_summary(1, 0), "The one threshold passes.");
        assert_eq!(threshold_summary(1, 1), "The one threshold fails.");
        assert_eq!(threshold_summary(2, 0), "All 2 thresholds pass.");
        assert_eq!(threshold_summary(2, 1), "1 of 2 thresholds fail.");
    }
    use crate::domain::intake::{parse_review_spec, NamedDirection, ReviewSpec};
    use serde_json::json;

    fn spec() -> ReviewSpec {
        parse_review_spec(
            &json!({
                "title": "t", "requestedBy": "ci",
                "model": {"name": "m", "version": "1"},
                "metrics":   {"auc": 0.912, "precision": 0.83, "flagged_rate": 0.071, "latency_ms": 40, "score": 7},
                "baseline":  {"auc": 0.905, "precision": 0.84, "flagged_rate": 0.052, "score": 8},
                "thresholds": {"auc": {"min": 0.85}, "flagged_rate": {"max": 0.06}}
            }),
            "review",
        )
        .unwrap()
    }

    #[test]
    fn failing_thresholds_count_only_the_metrics_past_their_bounds() {
        // auc passes its minimum, flagged_rate exceeds its maximum,
        // precision and latency have none.
        assert_eq!(failing_thresholds(&spec()), 1);
        let mut all_fail = spec();
        all_fail.metrics[0].value = 0.5;
        assert_eq!(failing_thresholds(&all_fail), 2);
    }

    #[test]
    fn compares_each_metric_with_baseline_and_threshold() {
        let rows = compare(&spec(), &DirectionRules::default());
        assert_eq!(
            rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["auc", "precision", "flagged_rate", "latency_ms", "score"]
        );
        let auc = &rows[0];
        assert_eq!(auc.check, Check::Pass);
        assert!((auc.delta.unwrap() - 0.007).abs() < 1e-9);
        assert_eq!(auc.change(), Change::Better);
        let precision = &rows[1];
        assert_eq!(precision.check, Check::NoThreshold);
        assert_eq!(precision.change(), Change::Worse, "by its name");
        let flagged = &rows[2];
        assert_eq!(flagged.check, Check::Fail);
        assert_eq!(
            flagged.change(),
            Change::Worse,
            "a higher flag rate is worse"
        );
        let latency = &rows[3];
        assert_eq!(
            (latency.baseline, latency.delta, latency.change()),
            (None, None, Change::None)
        );
        assert_eq!(failing(&rows), 1);
    }

    #[test]
    fn a_change_nobody_can_judge_is_neutral() {
        let rows = compare(&spec(), &DirectionRules::default());
        let score = &rows[4];
        assert_eq!(score.direction, None);
        assert_eq!(score.change(), Change::DirectionUnknown);
        assert_eq!(score.change().words(), "direction unknown");
        // Configuration can name it; the request's word wins over that.
        let rules = DirectionRules::parse("score=lower").unwrap();
        assert_eq!(compare(&spec(), &rules)[4].change(), Change::Better);
        let mut spec = spec();
        spec.directions = vec![NamedDirection {
            name: "score".into(),
            direction: Direction::HigherIsBetter,
        }];
        let score = compare(&spec, &rules).remove(4);
        assert_eq!(score.change(), Change::Worse);
        assert_eq!(
            score.direction.map(|d| d.source),
            Some(DirectionSource::Request)
        );
    }

    #[test]
    fn failing_metrics_lead_the_queue_chips() {
        let rows = compare(&spec(), &DirectionRules::default());
        let names = |count| {
            key_metrics(&rows, count)
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
        };
        // flagged_rate fails; latency_ms has neither baseline nor threshold.
        assert_eq!(names(3), ["flagged_rate", "auc", "precision"]);
        assert_eq!(names(10), ["flagged_rate", "auc", "precision", "score"]);
        assert_eq!(names(1), ["flagged_rate"]);
    }

    #[test]
    fn bounds_are_inclusive() {
        let t = Threshold {
            min: Some(0.5),
            max: Some(0.7),
        };
        assert_eq!(check(0.5, t), Check::Pass);
        assert_eq!(check(0.7, t), Check::Pass);
        assert_eq!(check(0.4999, t), Check::Fail);
        assert_eq!(check(0.7001, t), Check::Fail);
    }

    #[test]
    fn the_fast_path_prints_what_exact_rounding_prints() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            0.5,
            0.1,
            0.2,
            0.3,
            0.00005,
            0.00015,
            0.99995,
            1e10,
            99_999_999_999.0,
            1e11,
            1e15,
            1e-7,
            0.30000000000000004,
            12.3456,
            12.34565,
            -3.25,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
        ];
        // Values with one to six decimals over several magnitudes, from a
        // small linear congruential sequence (repeatable, no dependency).
        let mut seed: u64 = 0x5eed;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let digits = (seed >> 33) % 1_000_000_000;
            let scale = 10f64.powi(((seed >> 20) % 7) as i32);
            let sign = if seed & 1 == 0 { 1.0 } else { -1.0 };
            values.push(sign * digits as f64 / scale);
        }
        for value in values {
            assert_eq!(
                format_value(value),
                rounded_to_four_decimals(value),
                "{value:?}"
            );
        }
    }

    #[test]
    fn numbers_read_cleanly() {
        assert_eq!(format_value(0.912), "0.912");
        assert_eq!(format_value(40.0), "40");
        assert_eq!(format_value(0.123456), "0.1235");
        assert_eq!(format_value(-0.00001), "0");
        assert_eq!(format_delta(0.007), "+0.007");
        assert_eq!(format_delta(-0.01), "−0.01");
        assert_eq!(format_delta(0.0), "±0");
        assert_eq!(format_delta_with_arrow(0.007), "▲ +0.007");
        assert_eq!(format_delta_with_arrow(-0.01), "▼ −0.01");
        assert_eq!(format_delta_with_arrow(0.0), "±0");
        assert_eq!(
            format_threshold(Threshold {
                min: Some(0.85),
                max: None
            }),
            "≥ 0.85"
        );
        assert_eq!(
            format_threshold(Threshold {
                min: None,
                max: Some(0.06)
            }),
            "≤ 0.06"
        );
        assert_eq!(
            format_threshold(Threshold {
                min: Some(0.1),
                max: Some(0.2)
            }),
            "0.1 – 0.2"
        );
    }
}
