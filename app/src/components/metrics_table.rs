//! Metrics against baseline and thresholds, as a table (with a small chart
//! per metric) and as compact chips.

use crate::api::MetricChipView;
use crate::domain::chart::{bullet, Bullet};
use crate::domain::metrics::{
    failing, format_delta_with_arrow, format_threshold, format_value, threshold_summary, Change,
    Check, MetricComparison,
};
use leptos::prelude::*;

/// A metric's name in the pieces a line may break between: after each `_`,
/// `.`, `-` or `/`, so that `approval_rate` wraps as `approval_` and `rate`
/// in a narrow column, never in the middle of a word.
fn name_pieces(name: &str) -> Vec<&str> {
    name.split_inclusive(['_', '.', '-', '/']).collect()
}

/// The delta's class: coloured only when which way is better is known.
fn delta_class(change: Change) -> &'static str {
    match change {
        Change::Better => "delta better",
        Change::Worse => "delta worse",
        Change::DirectionUnknown => "delta unknown",
        Change::None => "delta",
    }
}

/// Said after the delta, for those who cannot see its colour: " (worse)".
fn delta_meaning(change: Change) -> String {
    match change.words() {
        "" => String::new(),
        words => format!(" ({words})"),
    }
}

/// Under the metric's name: which way is better and who said so.
fn direction_note(metric: &MetricComparison) -> String {
    metric
        .direction
        .map(|known| known.describe())
        .unwrap_or_else(|| "direction unknown".to_owned())
}

/// Where the value sits against the baseline (grey tick) and the passing
/// range (shaded), on one scale.
#[component]
fn MetricChart(metric: MetricComparison) -> impl IntoView {
    const WIDTH: f64 = 120.0;
    const INSET: f64 = 5.0;
    let Bullet {
        value,
        baseline,
        passing,
    } = bullet(&metric);
    let x = |percent: f64| INSET + percent / 100.0 * (WIDTH - 2.0 * INSET);
    let mut label = format!("{} {}", metric.name, format_value(metric.value));
    if let Some(b) = metric.baseline {
        label.push_str(&format!(", baseline {}", format_value(b)));
    }
    if let Some(t) = metric.threshold {
        label.push_str(&format!(", passing {}", format_threshold(t)));
    }
    let dot = if metric.check == Check::Fail {
        "chart-value fail"
    } else {
        "chart-value"
    };
    view! {
        <svg class="metric-chart" viewBox="0 0 120 18" width="72" height="11" role="img" aria-label=label>
            <line class="chart-axis" x1=x(0.0) x2=x(100.0) y1="9" y2="9" />
            {passing.map(|(from, to)| view! {
                <rect class="chart-pass" x=x(from) y="4" width=(x(to) - x(from)).max(1.0) height="10" rx="2" />
            })}
            {baseline.map(|b| view! { <line class="chart-baseline" x1=x(b) x2=x(b) y1="2" y2="16" /> })}
            <circle class=dot cx=x(value) cy="9" r="4" />
        </svg>
    }
}

/// The full comparison table with a one-line summary above it.
#[component]
pub fn MetricsTable(metrics: Vec<MetricComparison>) -> impl IntoView {
    let with_threshold = metrics
        .iter()
        .filter(|m| m.check != Check::NoThreshold)
        .count();
    let failing_count = failing(&metrics);
    let summary = threshold_summary(with_threshold, failing_count);
    view! {
        <p class={if failing_count > 0 { "summary failing" } else { "summary" }}>{summary}</p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Metrics table">
        <table class="metrics">
            <thead>
                <tr>
                    <th scope="col">"Metric"</th>
                    <th scope="col" class="num">"Value"</th>
                    <th scope="col" class="num">"Baseline"</th>
                    <th scope="col" class="num">"Δ"</th>
                    <th scope="col">"Threshold"</th>
                    <th scope="col">"Check"</th>
                    <th scope="col" class="chart-col">"Chart"</th>
                </tr>
            </thead>
            <tbody>
                {metrics
                    .into_iter()
                    .map(|m| {
                        let check = match m.check {
                            Check::Pass => view! { <span class="check pass">"✓ pass"</span> }.into_any(),
                            Check::Fail => view! { <span class="check fail">"✗ fail"</span> }.into_any(),
                            Check::NoThreshold => view! { <span class="check none">"—"</span> }.into_any(),
                        };
                        let change = m.change();
                        view! {
                            <tr class:failing=m.check == Check::Fail>
                                <th scope="row">
                                    <span class="metric-name">
                                        {name_pieces(&m.name)
                                            .into_iter()
                                            .map(|piece| view! { {piece.to_owned()}<wbr /> })
                                            .collect_view()}
                                    </span>
                                    <span class="direction-note">{direction_note(&m)}</span>
                                </th>
                                <td class="num" data-label="Value">{format_value(m.value)}</td>
                                <td class="num" data-label="Baseline">{m.baseline.map(format_value).unwrap_or_else(|| "—".into())}</td>
                                <td class=format!("num {}", delta_class(change)) data-label="Δ">
                                    {m.delta.map(format_delta_with_arrow).unwrap_or_else(|| "—".into())}
                                    <span class="visually-hidden">{delta_meaning(change)}</span>
                                </td>
                                <td data-label="Threshold">{m.threshold.map(format_threshold).unwrap_or_else(|| "—".into())}</td>
                                <td data-label="Check">{check}</td>
                                <td class="chart-col" data-label="Chart"><MetricChart metric=m.clone() /></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        </div>
        <p class="chart-legend" aria-hidden="true">
            "Chart: "
            <span class="legend-dot"></span> " the value · "
            <span class="legend-tick"></span> " the baseline · "
            <span class="legend-range"></span> " the passing range"
        </p>
    }
}

/// `✗ fail flagged_rate 0.071 ▲ +0.019`, for a queue row: failing in
/// words, the change's meaning in words for those who cannot see colour.
#[component]
pub fn MetricChip(metric: MetricChipView) -> impl IntoView {
    let class = if metric.failing {
        "chip failing"
    } else {
        "chip"
    };
    let change = metric.change;
    view! {
        <span class=class>
            {metric.failing.then(|| view! { <span class="check fail">"✗ fail"</span> " " })}
            <span class="name">{metric.name}</span>
            " "
            <span class="value">{metric.value}</span>
            {metric.delta.map(|delta| view! {
                " "
                <span class=delta_class(change)>
                    {delta}
                    <span class="visually-hidden">{delta_meaning(change)}</span>
                </span>
            })}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_break_after_their_separators_only() {
        assert_eq!(name_pieces("approval_rate"), ["approval_", "rate"]);
        assert_eq!(
            name_pieces("eval.p99-latency_ms"),
            ["eval.", "p99-", "latency_", "ms"]
        );
        assert_eq!(name_pieces("auc"), ["auc"]);
        assert_eq!(name_pieces("recall@k/10"), ["recall@k/", "10"]);
    }
}
