//! The small inline chart beside each metric: where the value sits against
//! the baseline and the threshold's passing range, on one shared scale.
//! Pure geometry; the SVG is drawn by `components::metrics_table`.

use super::metrics::MetricComparison;

/// Positions along the chart, in percent of its width (0 to 100).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bullet {
    pub value: f64,
    pub baseline: Option<f64>,
    /// The passing range, clipped to the chart.
    pub passing: Option<(f64, f64)>,
}

/// Lays out `metric`: the scale spans the value, the baseline and the
/// threshold's bounds, with a tenth of the span to spare on each side.
pub fn bullet(metric: &MetricComparison) -> Bullet {
    let bounds = metric.threshold.map(|t| [t.min, t.max]).unwrap_or_default();
    let points: Vec<f64> = std::iter::once(metric.value)
        .chain(metric.baseline)
        .chain(bounds.into_iter().flatten())
        .filter(|v| v.is_finite())
        .collect();
    let low = points.iter().copied().fold(f64::INFINITY, f64::min);
    let high = points.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = high - low;
    // A single point (or equal ones) still needs a scale around it.
    let pad = if span > 0.0 {
        span * 0.1
    } else {
        (low.abs() * 0.1).max(1e-9)
    };
    let (low, high) = (low - pad, high + pad);
    let at = |v: f64| ((v - low) / (high - low) * 100.0).clamp(0.0, 100.0);
    Bullet {
        value: at(metric.value),
        baseline: metric.baseline.map(at),
        passing: metric.threshold.and_then(|t| {
            (t.min.is_some() || t.max.is_some())
                .then(|| (t.min.map_or(0.0, at), t.max.map_or(100.0, at)))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::intake::Threshold;
    use crate::domain::metrics::Check;

    fn metric(value: f64, baseline: Option<f64>, threshold: Option<Threshold>) -> MetricComparison {
        MetricComparison {
            name: "m".into(),
            value,
            baseline,
            delta: baseline.map(|b| value - b),
            threshold,
            check: Check::Pass,
            direction: None,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn value_baseline_and_bound_share_one_scale() {
        // Points 0.85 (min), 0.905 (baseline), 0.912 (value): span 0.062,
        // padded by 0.0062 each side.
        let chart = bullet(&metric(
            0.912,
            Some(0.905),
            Some(Threshold {
                min: Some(0.85),
                max: None,
            }),
        ));
        let width = 0.062 * 1.2;
        assert!(close(chart.value, (0.912 - 0.85 + 0.0062) / width * 100.0));
        assert!(close(
            chart.baseline.unwrap(),
            (0.905 - 0.85 + 0.0062) / width * 100.0
        ));
        let (from, to) = chart.passing.unwrap();
        assert!(close(from, 0.0062 / width * 100.0));
        assert!(close(to, 100.0), "no maximum: passing to the end");
        assert!(chart.value > chart.baseline.unwrap());
    }

    #[test]
    fn a_lone_value_sits_in_the_middle() {
        let chart = bullet(&metric(40.0, None, None));
        assert!(close(chart.value, 50.0));
        assert_eq!(chart.baseline, None);
        assert_eq!(chart.passing, None);
        assert!(close(bullet(&metric(0.0, None, None)).value, 50.0));
    }

    #[test]
    fn a_maximum_passes_from_the_start() {
        let chart = bullet(&metric(
            0.071,
            Some(0.052),
            Some(Threshold {
                min: None,
                max: Some(0.06),
            }),
        ));
        let (from, to) = chart.passing.unwrap();
        assert!(close(from, 0.0));
        assert!(to < chart.value, "the value is past the maximum");
        assert!(chart.baseline.unwrap() < to);
    }
}
