//! The overview's three charts, drawn on the server as inline SVG from the
//! numbers of `domain::overview_stats` and the geometry of
//! `domain::bar_chart`: reviews decided per day, the time they took, and
//! the share decided within the target per week. Each is a figure whose
//! SVG carries a summary as its accessible name, with its data in a table
//! behind a disclosure. No script: the page is not an island.

use crate::domain::bar_chart::{count_ticks, label_every, stacked_bar, unit, Frame, FRAME};
use crate::domain::overview_stats::{DayCount, TimeBucket, WeekShare};
use crate::domain::time::{short_day, short_duration};
use leptos::prelude::*;

/// The horizontal grid lines and their labels, left of the plot.
fn y_axis(frame: &Frame, ticks: Vec<(f64, String)>) -> impl IntoView {
    let frame = *frame;
    ticks
        .into_iter()
        .map(|(y, label)| {
            view! {
                <line class="grid-line" x1=unit(frame.left) x2=unit(frame.width - frame.right) y1=unit(y) y2=unit(y) />
                <text class="chart-tick" x=unit(frame.left - 4.0) y=unit(y + 3.5) text-anchor="end">{label}</text>
            }
        })
        .collect_view()
}

/// A label under the plot at `x`.
fn x_label(frame: &Frame, x: f64, label: String) -> impl IntoView {
    view! { <text class="chart-tick" x=unit(x) y=unit(frame.baseline() + 14.0) text-anchor="middle">{label}</text> }
}

/// The counting axis of a chart whose largest bar is `max`: its top value
/// and its ticks.
fn count_axis(frame: &Frame, max: u32) -> (u32, Vec<(f64, String)>) {
    let ticks = count_ticks(max);
    let top = ticks.last().copied().unwrap_or(1);
    let labelled = ticks
        .into_iter()
        .map(|t| (frame.y_of(f64::from(t), f64::from(top)), t.to_string()))
        .collect();
    (top, labelled)
}

/// One chart's panel: its heading, the SVG (the plot inside a view box
/// that scales to the panel) named by its summary, a legend in words, and
/// the chart's data as a table behind a disclosure.
#[component]
fn ChartPanel(
    /// Names the heading (`{id}-h`) and the test id (`chart-{id}`).
    id: &'static str,
    title: &'static str,
    summary: String,
    plot: AnyView,
    legend: AnyView,
    /// The data table's header cells and body rows.
    head: AnyView,
    rows: AnyView,
) -> impl IntoView {
    view! {
        <section class="panel chart-panel" aria-labelledby=format!("{id}-h") data-testid=format!("chart-{id}")>
            <h2 id=format!("{id}-h")>{title}</h2>
            <figure class="chart">
                <svg class="bar-chart" viewBox=format!("0 0 {} {}", FRAME.width, FRAME.height) role="img" aria-label=summary.clone()>
                    {plot}
                </svg>
                <figcaption class="chart-legend">{legend}</figcaption>
            </figure>
            <details class="chart-data">
                <summary>{format!("Table: {}", title.to_lowercase())}</summary>
                <table class="metrics">
                    <caption class="visually-hidden">{summary}</caption>
                    <thead><tr>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </section>
    }
}

/// "Reviews decided per day over the last 30 days: 12 approved and 3
/// rejected; the busiest day was Dec 2 with 5."
pub fn per_day_summary(days: &[DayCount], period_days: u32) -> String {
    let approved: u32 = days.iter().map(|d| d.approved).sum();
    let rejected: u32 = days.iter().map(|d| d.rejected).sum();
    let period = period_words(period_days);
    if approved + rejected == 0 {
        return format!("No reviews were decided {period}.");
    }
    let busiest = days
        .iter()
        .rev()
        .max_by_key(|d| d.total())
        .map(|d| {
            format!(
                "; the busiest day was {} with {}",
                short_day(d.day_ms),
                d.total()
            )
        })
        .filter(|_| days.len() > 1)
        .unwrap_or_default();
    let what = if period_days == 1 {
        "Reviews decided"
    } else {
        "Reviews decided per day"
    };
    format!("{what} {period}: {approved} approved and {rejected} rejected{busiest}.")
}

/// "Time to a decision for 15 reviews: 12 within the 4h target, 3 past it;
/// median 37m."
pub fn time_summary(
    buckets: &[TimeBucket],
    target_ms: i64,
    median_ms: Option<i64>,
    period_days: u32,
) -> String {
    let target = short_duration(target_ms);
    let total: u32 = buckets.iter().map(|b| b.count).sum();
    if total == 0 {
        return format!(
            "No reviews were decided {}; the target is {target}.",
            period_words(period_days)
        );
    }
    let within: u32 = buckets
        .iter()
        .filter(|b| b.within_target)
        .map(|b| b.count)
        .sum();
    let reviews = if total == 1 {
        "1 review".to_owned()
    } else {
        format!("{total} reviews")
    };
    let median = median_ms
        .map(|m| format!("; median {}", short_duration(m)))
        .unwrap_or_default();
    format!(
        "Time to a decision for {reviews} {}: {within} within the {target} target, {} past it{median}.",
        period_words(period_days),
        total - within
    )
}

/// "Share decided within the 4h target per week: 80% overall (12 of 15);
/// lowest the week of Nov 23 with 50%."
pub fn week_summary(weeks: &[WeekShare], target_ms: i64, period_days: u32) -> String {
    let target = short_duration(target_ms);
    let decided: u32 = weeks.iter().map(|w| w.decided).sum();
    let within: u32 = weeks.iter().map(|w| w.within).sum();
    if decided == 0 {
        return format!(
            "No reviews were decided {}, so no share within the {target} target.",
            period_words(period_days)
        );
    }
    let overall = WeekShare {
        week_ms: 0,
        decided,
        within,
    }
    .percent()
    .unwrap_or_default();
    let weeks_with: Vec<&WeekShare> = weeks.iter().filter(|w| w.decided > 0).collect();
    let lowest = weeks_with
        .iter()
        .min_by_key(|w| w.percent())
        .filter(|_| weeks_with.len() > 1)
        .map(|w| {
            format!(
                "; lowest the week of {} with {}%",
                short_day(w.week_ms),
                w.percent().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    format!("Share decided within the {target} target per week: {overall}% overall ({within} of {decided}){lowest}.")
}

fn period_words(days: u32) -> String {
    match days {
        1 => "today".to_owned(),
        n => format!("in the last {n} days"),
    }
}

/// Reviews decided per day, approved (solid) and rejected (hatched)
/// stacked, with a legend in words.
#[component]
pub fn DecisionsPerDayChart(days: Vec<DayCount>, period_days: u32) -> impl IntoView {
    let frame = FRAME;
    let n = days.len();
    let (top, ticks) = count_axis(&frame, days.iter().map(DayCount::total).max().unwrap_or(0));
    let every = label_every(n, 6);
    let summary = per_day_summary(&days, period_days);
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let parts = stacked_bar(&frame, i, n, &[day.approved, day.rejected], top);
            let label = (i % every == 0).then(|| x_label(&frame, frame.mid_x(i, n), short_day(day.day_ms)));
            let rects = parts
                .into_iter()
                .zip(["bar-approved", "bar-rejected"])
                .filter(|(r, _)| r.height > 0.0)
                .map(|(r, class)| {
                    let fill = (class == "bar-rejected").then_some("url(#hatch-rejected)");
                    view! { <rect class=class fill=fill x=unit(r.x) y=unit(r.y) width=unit(r.width) height=unit(r.height) /> }
                })
                .collect_view();
            view! { {rects} {label} }
        })
        .collect_view();
    let rows = days
        .iter()
        .map(|d| view! { <tr><th scope="row">{short_day(d.day_ms)}</th><td class="num">{d.approved}</td><td class="num">{d.rejected}</td></tr> })
        .collect_view();
    let plot = view! {
        <defs>
            <pattern id="hatch-rejected" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                <rect class="hatch-ground" width="6" height="6" />
                <line class="hatch-line" x1="0" y1="0" x2="0" y2="6" />
            </pattern>
        </defs>
        {y_axis(&frame, ticks)}
        {bars}
    };
    let legend = view! {
        <span><span class="swatch approved" aria-hidden="true"></span>"Approved"</span>
        <span><span class="swatch rejected" aria-hidden="true"></span>"Rejected (hatched)"</span>
    };
    let head = view! { <th scope="col">"Day (UTC)"</th><th scope="col" class="num">"Approved"</th><th scope="col" class="num">"Rejected"</th> };
    view! {
        <ChartPanel id="per-day" title="Reviews decided per day" summary plot=plot.into_any() legend=legend.into_any() head=head.into_any() rows=rows.into_any() />
    }
}

/// How long decisions took, in buckets, with the team's target marked; the
/// buckets past the target are drawn differently.
#[component]
pub fn TimeToDecisionChart(
    buckets: Vec<TimeBucket>,
    target_ms: i64,
    median_ms: Option<i64>,
    period_days: u32,
) -> impl IntoView {
    let frame = FRAME;
    let n = buckets.len();
    let (top, ticks) = count_axis(&frame, buckets.iter().map(|b| b.count).max().unwrap_or(0));
    let summary = time_summary(&buckets, target_ms, median_ms, period_days);
    let bars = buckets
        .iter()
        .enumerate()
        .map(|(i, bucket)| {
            let class = if bucket.within_target { "bar-within" } else { "bar-beyond" };
            let bar = stacked_bar(&frame, i, n, &[bucket.count], top)
                .into_iter()
                .filter(|r| r.height > 0.0)
                .map(|r| {
                    view! {
                        <rect class=class x=unit(r.x) y=unit(r.y) width=unit(r.width) height=unit(r.height) />
                        <text class="chart-value" x=unit(frame.mid_x(i, n)) y=unit(r.y - 3.0) text-anchor="middle">{bucket.count}</text>
                    }
                })
                .collect_view();
            // Each boundary is labelled once: the bucket's lower edge.
            let edge = x_label(&frame, frame.edge_x(i, n), short_duration(bucket.from_ms));
            view! { {bar} {edge} }
        })
        .collect_view();
    let last_edge = buckets
        .last()
        .and_then(|b| b.to_ms)
        .map(|to| x_label(&frame, frame.edge_x(n, n), short_duration(to)));
    let marker = buckets.iter().position(|b| b.from_ms == target_ms).map(|k| {
        let x = frame.edge_x(k, n);
        let (anchor, dx) = if k * 2 > n { ("end", -4.0) } else { ("start", 4.0) };
        view! {
            <line class="target-line" x1=unit(x) x2=unit(x) y1=unit(frame.top - 6.0) y2=unit(frame.baseline()) />
            <text class="target-label" x=unit(x + dx) y=unit(frame.top - 2.0) text-anchor=anchor>{format!("target {}", short_duration(target_ms))}</text>
        }
    });
    let rows = buckets
        .iter()
        .map(|b| {
            let within = if b.within_target { "yes" } else { "no" };
            view! { <tr><th scope="row">{b.label()}</th><td class="num">{b.count}</td><td>{within}</td></tr> }
        })
        .collect_view();
    let plot = view! {
        {y_axis(&frame, ticks)}
        {bars}
        {last_edge}
        {marker}
    };
    let legend = view! {
        <span><span class="swatch within" aria-hidden="true"></span>"Within the target"</span>
        <span><span class="swatch beyond" aria-hidden="true"></span>"Past it (right of the dashed line)"</span>
    };
    let head = view! { <th scope="col">"Time taken"</th><th scope="col" class="num">"Reviews"</th><th scope="col">"Within target"</th> };
    view! {
        <ChartPanel id="time" title="Time to a decision" summary plot=plot.into_any() legend=legend.into_any() head=head.into_any() rows=rows.into_any() />
    }
}

/// The share decided within the target, one bar per ISO week, its percent
/// written above it ("none" for a week without decisions).
#[component]
pub fn WithinTargetChart(weeks: Vec<WeekShare>, target_ms: i64, period_days: u32) -> impl IntoView {
    let frame = FRAME;
    let n = weeks.len();
    let ticks: Vec<(f64, String)> = [0, 25, 50, 75, 100]
        .into_iter()
        .map(|p| (frame.y_of(f64::from(p), 100.0), format!("{p}%")))
        .collect();
    let every = label_every(n, 5);
    let summary = week_summary(&weeks, target_ms, period_days);
    let bars = weeks
        .iter()
        .enumerate()
        .map(|(i, week)| {
            let percent = week.percent();
            let rect = stacked_bar(&frame, i, n, &[percent.unwrap_or(0)], 100)
                .into_iter()
                .map(|r| {
                    view! { <rect class="bar-share" x=unit(r.x) y=unit(r.y) width=unit(r.width) height=unit(r.height) /> }
                })
                .collect_view();
            let value_y = frame.y_of(f64::from(percent.unwrap_or(0)), 100.0) - 3.0;
            let text = percent.map_or_else(|| "none".to_owned(), |p| format!("{p}%"));
            let label = (i % every == 0).then(|| x_label(&frame, frame.mid_x(i, n), short_day(week.week_ms)));
            view! {
                {rect}
                <text class="chart-value" x=unit(frame.mid_x(i, n)) y=unit(value_y.max(frame.top - 3.0)) text-anchor="middle">{text}</text>
                {label}
            }
        })
        .collect_view();
    let rows = weeks
        .iter()
        .map(|w| {
            let share = w.percent().map_or_else(|| "—".to_owned(), |p| format!("{p}%"));
            view! { <tr><th scope="row">{short_day(w.week_ms)}</th><td class="num">{w.decided}</td><td class="num">{w.within}</td><td class="num">{share}</td></tr> }
        })
        .collect_view();
    let plot = view! {
        {y_axis(&frame, ticks)}
        {bars}
    };
    let legend = format!(
        "Weeks start on Monday (UTC); the target is {}.",
        short_duration(target_ms)
    );
    let head = view! { <th scope="col">"Week of"</th><th scope="col" class="num">"Decided"</th><th scope="col" class="num">"Within target"</th><th scope="col" class="num">"Share"</th> };
    view! {
        <ChartPanel id="weeks" title="Decided within the target, per week" summary plot=plot.into_any() legend=legend.into_any() head=head.into_any() rows=rows.into_any() />
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::overview_stats::{histogram, DAY_MS};

    /// 2026-11-30, a Monday.
    const MONDAY: i64 = 1_795_996_800_000;
    const HOUR: i64 = 3_600_000;

    fn day(n: i64, approved: u32, rejected: u32) -> DayCount {
        DayCount {
            day_ms: MONDAY + n * DAY_MS,
            approved,
            rejected,
        }
    }

    #[test]
    fn the_per_day_summary_totals_and_names_the_busiest_day() {
        let days = [day(0, 1, 0), day(1, 2, 1), day(2, 0, 0)];
        assert_eq!(
            per_day_summary(&days, 3),
            "Reviews decided per day in the last 3 days: 3 approved and 1 rejected; the busiest day was Dec 1 with 3."
        );
        assert_eq!(
            per_day_summary(&[day(0, 0, 0)], 1),
            "No reviews were decided today."
        );
        assert_eq!(
            per_day_summary(&[day(0, 1, 1)], 1),
            "Reviews decided today: 1 approved and 1 rejected."
        );
    }

    #[test]
    fn the_time_summary_counts_either_side_of_the_target() {
        let buckets = histogram(&[HOUR, 2 * HOUR, 5 * HOUR], 4 * HOUR);
        assert_eq!(
            time_summary(&buckets, 4 * HOUR, Some(2 * HOUR), 7),
            "Time to a decision for 3 reviews in the last 7 days: 2 within the 4h target, 1 past it; median 2h."
        );
        let all_late = histogram(&[5 * HOUR], HOUR);
        assert!(time_summary(&all_late, HOUR, Some(5 * HOUR), 7)
            .contains("1 review in the last 7 days: 0 within the 1h target, 1 past it"));
        assert_eq!(
            time_summary(&histogram(&[], HOUR), HOUR, None, 30),
            "No reviews were decided in the last 30 days; the target is 1h."
        );
    }

    #[test]
    fn the_week_summary_gives_the_overall_share_and_the_lowest_week() {
        let weeks = [
            WeekShare {
                week_ms: MONDAY - 7 * DAY_MS,
                decided: 2,
                within: 1,
            },
            WeekShare {
                week_ms: MONDAY,
                decided: 3,
                within: 3,
            },
            WeekShare {
                week_ms: MONDAY + 7 * DAY_MS,
                decided: 0,
                within: 0,
            },
        ];
        assert_eq!(
            week_summary(&weeks, 4 * HOUR, 30),
            "Share decided within the 4h target per week: 80% overall (4 of 5); lowest the week of Nov 23 with 50%."
        );
        assert_eq!(
            week_summary(&weeks[1..2], 4 * HOUR, 7),
            "Share decided within the 4h target per week: 100% overall (3 of 3)."
        );
        let late = [WeekShare {
            week_ms: MONDAY,
            decided: 2,
            within: 0,
        }];
        assert!(week_summary(&late, HOUR, 7).contains("0% overall (0 of 2)"));
        assert_eq!(
            week_summary(&weeks[2..], HOUR, 7),
            "No reviews were decided in the last 7 days, so no share within the 1h target."
        );
    }
}
