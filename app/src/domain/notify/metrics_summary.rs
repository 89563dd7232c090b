//! The metrics in a few words for a message: how many thresholds fail,
//! and the metrics that moved most against the baseline, each said to be
//! better or worse only as [`crate::domain::metrics`] decided its
//! direction (a move with no known direction says so).

use crate::domain::metrics::{
    format_delta_with_arrow, format_value, threshold_summary, MetricComparison,
};

/// How many moves a message names.
pub const MOVES_SHOWN: usize = 3;

/// "1 of 2 thresholds fail."
pub fn thresholds_line(metrics: &[MetricComparison], failing: u32) -> String {
    let with_threshold = metrics.iter().filter(|m| m.threshold.is_some()).count();
    let failing = usize::try_from(failing)
        .unwrap_or(usize::MAX)
        .min(with_threshold);
    threshold_summary(with_threshold, failing)
}

/// The metrics that moved most, largest first, by their change relative
/// to the baseline (so an AUC's 0.01 and a latency's 40 ms compare), a
/// move from a zero baseline first of all; ties keep the request's order.
pub fn largest_moves(metrics: &[MetricComparison]) -> Vec<&MetricComparison> {
    let mut moved: Vec<&MetricComparison> = metrics
        .iter()
        .filter(|m| m.delta.is_some_and(|d| d != 0.0 && d.is_finite()))
        .collect();
    moved.sort_by(|a, b| relative(b).total_cmp(&relative(a)));
    moved
}

fn relative(metric: &MetricComparison) -> f64 {
    let delta = metric.delta.unwrap_or_default().abs();
    match metric.baseline {
        Some(base) if base != 0.0 => delta / base.abs(),
        _ => f64::INFINITY,
    }
}

/// One move: `auc 0.912 (▲ +0.007 vs 0.905, better)`, or "direction
/// unknown" where nobody said which way is better.
pub fn describe_move(metric: &MetricComparison) -> String {
    let judged = match metric.change().words() {
        "" => String::new(),
        words => format!(", {words}"),
    };
    let baseline = metric
        .baseline
        .map(|b| format!(" vs {}", format_value(b)))
        .unwrap_or_default();
    format!(
        "{} {} ({}{baseline}{judged})",
        metric.name,
        format_value(metric.value),
        format_delta_with_arrow(metric.delta.unwrap_or_default())
    )
}

/// The lines a message shows: the thresholds, then up to
/// [`MOVES_SHOWN`] moves and how many more moved.
pub fn summary_lines(metrics: &[MetricComparison], failing: u32) -> Vec<String> {
    let mut lines = vec![thresholds_line(metrics, failing)];
    let moves = largest_moves(metrics);
    if !moves.is_empty() {
        lines.push("Largest moves against the baseline:".to_owned());
        lines.extend(super::text::and_more(&moves, MOVES_SHOWN, |m| {
            describe_move(m)
        }));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::super::facts::fixtures::facts;
    use super::*;
    use crate::domain::metrics::{Check, Direction, DirectionSource, KnownDirection};

    #[test]
    fn the_thresholds_and_the_largest_moves_are_named() {
        let facts = facts();
        assert_eq!(
            summary_lines(&facts.metrics, facts.failing_thresholds),
            [
                "1 of 2 thresholds fail.",
                "Largest moves against the baseline:",
                "flagged_rate 0.071 (▲ +0.019 vs 0.052, worse)",
                "recall 0.7 (▼ −0.02 vs 0.72, worse)",
                "precision 0.83 (▼ −0.01 vs 0.84, worse)",
                "and 1 more",
            ]
        );
    }

    fn metric(
        name: &str,
        value: f64,
        baseline: Option<f64>,
        direction: Option<Direction>,
    ) -> MetricComparison {
        MetricComparison {
            name: name.into(),
            value,
            baseline,
            delta: baseline.map(|b| value - b),
            threshold: None,
            check: Check::NoThreshold,
            direction: direction.map(|direction| KnownDirection {
                direction,
                source: DirectionSource::Configuration,
            }),
        }
    }

    #[test]
    fn a_move_is_judged_by_its_direction_only() {
        let lower = metric(
            "p95_latency_ms",
            120.0,
            Some(100.0),
            Some(Direction::LowerIsBetter),
        );
        assert_eq!(
            describe_move(&lower),
            "p95_latency_ms 120 (▲ +20 vs 100, worse)"
        );
        let higher = metric("auc", 0.95, Some(0.9), Some(Direction::HigherIsBetter));
        assert!(describe_move(&higher).ends_with("better)"));
        let unknown = metric("score", 7.0, Some(8.0), None);
        assert_eq!(
            describe_move(&unknown),
            "score 7 (▼ −1 vs 8, direction unknown)"
        );
        let unmoved = metric("recall", 0.5, Some(0.5), Some(Direction::HigherIsBetter));
        let new = metric("coverage", 0.5, None, Some(Direction::HigherIsBetter));
        assert!(largest_moves(&[unmoved, new]).is_empty(), "nothing moved");
    }

    #[test]
    fn a_move_from_zero_ranks_first() {
        let from_zero = metric("errors", 3.0, Some(0.0), Some(Direction::LowerIsBetter));
        let big = metric(
            "latency_ms",
            400.0,
            Some(100.0),
            Some(Direction::LowerIsBetter),
        );
        let metrics = [big, from_zero];
        let names: Vec<&str> = largest_moves(&metrics)
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(names, ["errors", "latency_ms"]);
    }
}
