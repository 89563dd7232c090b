//! Metrics against baseline and thresholds, as a table and as compact chips.

use crate::domain::metrics::{
    failing, format_delta, format_threshold, format_value, Check, MetricComparison,
};
use leptos::prelude::*;

fn delta_class(metric: &MetricComparison) -> &'static str {
    match metric.improved() {
        Some(true) => "delta better",
        Some(false) => "delta worse",
        None => "delta",
    }
}

fn delta_arrow(metric: &MetricComparison) -> &'static str {
    match metric.delta {
        Some(d) if d > 0.0 => "▲ ",
        Some(d) if d < 0.0 => "▼ ",
        _ => "",
    }
}

/// One line on how the thresholds fared, e.g. `1 of 2 thresholds fail.`
fn threshold_summary(with_threshold: usize, failing: usize) -> String {
    match (with_threshold, failing) {
        (0, _) => "No thresholds were set.".to_owned(),
        (1, 0) => "The one threshold passes.".to_owned(),
        (1, _) => "The one threshold fails.".to_owned(),
        (n, 0) => format!("All {n} thresholds pass."),
        (n, f) => format!("{f} of {n} thresholds fail."),
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
        <div class="table-scroll">
        <table class="metrics">
            <thead>
                <tr>
                    <th scope="col">"Metric"</th>
                    <th scope="col" class="num">"Value"</th>
                    <th scope="col" class="num">"Baseline"</th>
                    <th scope="col" class="num">"Δ"</th>
                    <th scope="col">"Threshold"</th>
                    <th scope="col">"Check"</th>
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
                        view! {
                            <tr class:failing=m.check == Check::Fail>
                                <th scope="row">{m.name.clone()}</th>
                                <td class="num">{format_value(m.value)}</td>
                                <td class="num">{m.baseline.map(format_value).unwrap_or_else(|| "—".into())}</td>
                                <td class=format!("num {}", delta_class(&m))>
                                    {m.delta.map(|d| format!("{}{}", delta_arrow(&m), format_delta(d))).unwrap_or_else(|| "—".into())}
                                </td>
                                <td>{m.threshold.map(format_threshold).unwrap_or_else(|| "—".into())}</td>
                                <td>{check}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        </div>
    }
}

/// `auc 0.912 ▲ +0.007`, for a queue row.
#[component]
pub fn MetricChip(metric: MetricComparison) -> impl IntoView {
    let class = if metric.check == Check::Fail {
        "chip failing"
    } else {
        "chip"
    };
    view! {
        <span class=class>
            <span class="name">{metric.name.clone()}</span>
            " "
            <span class="value">{format_value(metric.value)}</span>
            {metric.delta.map(|d| view! {
                " " <span class=delta_class(&metric)>{format!("{}{}", delta_arrow(&metric), format_delta(d))}</span>
            })}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::threshold_summary;

    #[test]
    fn the_summary_reads_well_for_any_count() {
        assert_eq!(threshold_summary(0, 0), "No thresholds were set.");
        assert_eq!(threshold_summary(1, 0), "The one threshold passes.");
        assert_eq!(threshold_summary(1, 1), "The one threshold fails.");
        assert_eq!(threshold_summary(2, 0), "All 2 thresholds pass.");
        assert_eq!(threshold_summary(2, 1), "1 of 2 thresholds fail.");
    }
}
