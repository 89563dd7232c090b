//! `/overview`: the lead's view of a period: pending reviews by age and
//! against the review target, overdue reviews, and, for one model and
//! reviewer group or all, decisions per reviewer, the median time to a
//! decision and three charts drawn on the server. Plain links and a GET
//! form: the page works, and shows what is in force, without script.

use crate::api::{get_overview, OverviewView};
use crate::components::{
    loaded, query_with, DecisionsPerDayChart, TimeToDecisionChart, WithinTargetChart,
};
use crate::domain::time::short_duration;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// The periods on offer, in days.
const PERIODS: [u32; 3] = [7, 30, 90];

#[component]
pub fn OverviewPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.read().get(key).filter(|v| !v.is_empty());
    let overview = Resource::new(
        move || {
            (
                param("days").and_then(|d| d.parse().ok()),
                param("model"),
                param("group"),
            )
        },
        |(days, model, group)| get_overview(days, model, group),
    );
    view! {
        <Title text="Overview" />
        <h1>"Overview"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                loaded(overview.await, |overview| view! { <Overview overview /> })
            })}
        </Transition>
    }
}

#[component]
fn Overview(overview: OverviewView) -> impl IntoView {
    let median = overview
        .median_time_to_decision_ms
        .map(short_duration)
        .unwrap_or_else(|| "—".into());
    let search = use_location().search.get_untracked();
    view! {
        <div class="overview-controls">
            <PeriodControl search=search.clone() active=overview.period_days />
            <FilterForm overview=overview.clone() search />
        </div>
        <div class="review-grid">
            <section class="panel" aria-labelledby="pending-h">
                <h2 id="pending-h">"Pending by age"</h2>
                <dl class="facts">
                    {overview.pending_by_age.into_iter().map(|(label, count)| view! { <dt>{label}</dt><dd>{count}</dd> }).collect_view()}
                </dl>
                <p class="meta">{format!("Target: a decision within {} minutes; {} due soon.", overview.target_minutes, overview.due_soon)}</p>
            </section>
            <section class="panel" aria-labelledby="decided-h">
                <h2 id="decided-h">{format!("Decisions, last {} days", overview.period_days)}</h2>
                <p class="summary" data-testid="median">{format!("{} decided; median time to a decision: {median}", overview.decided)}</p>
                <table class="metrics reviewers">
                    <thead><tr><th scope="col">"Reviewer"</th><th scope="col" class="num">"Approved"</th><th scope="col" class="num">"Rejected"</th></tr></thead>
                    <tbody>
                        {overview.decisions_by_reviewer.into_iter().map(|(who, approved, rejected)| view! {
                            <tr><th scope="row">{who}</th><td class="num">{approved}</td><td class="num">{rejected}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section class="panel history-panel" aria-labelledby="overdue-h">
                <h2 id="overdue-h">"Overdue"</h2>
                {if overview.overdue.is_empty() {
                    view! { <p class="empty">"Nothing is past the target."</p> }.into_any()
                } else {
                    let named = overview.overdue.len();
                    let count = overview.overdue_count;
                    view! {
                        <p class="meta" data-testid="overdue-count">{overdue_summary(count, named)}</p>
                        <ul class="artefacts">
                            {overview.overdue.into_iter().map(|(id, title, age)| view! {
                                <li><a href=format!("/reviews/{id}")>{title}</a> " — waiting " {short_duration(age)}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
        <div class="chart-grid">
            <DecisionsPerDayChart days=overview.per_day period_days=overview.period_days />
            <TimeToDecisionChart
                buckets=overview.time_buckets
                target_ms=overview.target_ms
                median_ms=overview.median_time_to_decision_ms
                period_days=overview.period_days
            />
            <WithinTargetChart weeks=overview.per_week target_ms=overview.target_ms period_days=overview.period_days />
        </div>
    }
}

/// The period as one group of links, the one in force marked; each keeps
/// the other filters.
#[component]
fn PeriodControl(search: String, active: u32) -> impl IntoView {
    view! {
        <nav class="segmented" aria-label="Period">
            {PERIODS.into_iter().map(|days| {
                let href = format!("/overview{}", query_with(&search, "days", Some(&days.to_string())));
                let current = (days == active).then_some("true");
                view! { <a href=href aria-current=current>{format!("{days} days")}</a> }
            }).collect_view()}
        </nav>
    }
}

/// The model and reviewer-group pickers, a plain GET form whose controls
/// carry the values in force in the HTML itself (`selected`), so a reload or
/// a shared link shows what the numbers are for.
#[component]
fn FilterForm(overview: OverviewView, search: String) -> impl IntoView {
    let filtered = overview.model.is_some() || overview.group.is_some();
    let clear = format!(
        "/overview{}",
        query_with(&query_with(&search, "model", None), "group", None)
    );
    let picker = |name: &'static str, any: &'static str, known: &[String], chosen: Option<&str>| {
        let options = choices(known, chosen)
            .into_iter()
            .map(|(value, selected)| {
                let text = value.clone();
                view! { <option value=value selected=selected>{text}</option> }
            })
            .collect_view();
        view! {
            <select name=name>
                <option value="" selected=chosen.is_none()>{any}</option>
                {options}
            </select>
        }
    };
    view! {
        <form method="get" action="/overview" class="filters overview-filters" aria-label="Filters">
            <input type="hidden" name="days" value=overview.period_days.to_string() />
            <label>"Model" {picker("model", "all models", &overview.models, overview.model.as_deref())}</label>
            <label>"Reviewer group" {picker("group", "all groups", &overview.groups, overview.group.as_deref())}</label>
            <button type="submit" class="btn">"Apply"</button>
            {filtered.then(|| view! { <a class="clear-filters" href=clear>"Clear filters"</a> })}
        </form>
    }
}

/// The options of a picker: each known value, marked when it is the one in
/// force (whatever its ASCII case, as the store matches), and the value in
/// force itself at the end when no review has named it.
fn choices(known: &[String], chosen: Option<&str>) -> Vec<(String, bool)> {
    let is = |value: &str| chosen.is_some_and(|c| c.eq_ignore_ascii_case(value));
    let mut options: Vec<(String, bool)> = known.iter().map(|v| (v.clone(), is(v))).collect();
    if let Some(chosen) = chosen.filter(|_| !options.iter().any(|(_, selected)| *selected)) {
        options.push((chosen.to_owned(), true));
    }
    options
}

/// "3 reviews are past the target." or, when only the oldest are listed,
/// "1,200 reviews are past the target; the 50 oldest:".
fn overdue_summary(count: u32, named: usize) -> String {
    match (count, named) {
        (1, _) => "1 review is past the target.".into(),
        (count, named) if count as usize > named => {
            format!("{count} reviews are past the target; the {named} oldest:")
        }
        (count, _) => format!("{count} reviews are past the target."),
    }
}

#[cfg(test)]
mod tests {
    use super::{choices, overdue_summary};

    #[test]
    fn pickers_mark_the_value_in_force() {
        let known = ["churn-model".to_owned(), "fraud-detector".to_owned()];
        assert_eq!(
            choices(&known, Some("Fraud-Detector")),
            [
                ("churn-model".to_owned(), false),
                ("fraud-detector".to_owned(), true)
            ]
        );
        assert_eq!(
            choices(&known, None),
            [
                ("churn-model".to_owned(), false),
                ("fraud-detector".to_owned(), false)
            ]
        );
        assert_eq!(
            choices(&known, Some("ranker")).last(),
            Some(&("ranker".to_owned(), true)),
            "a value no review names is still shown as the one in force"
        );
    }

    #[test]
    fn the_overdue_line_says_when_only_the_oldest_are_listed() {
        assert_eq!(overdue_summary(1, 1), "1 review is past the target.");
        assert_eq!(overdue_summary(3, 3), "3 reviews are past the target.");
        assert_eq!(
            overdue_summary(1200, 50),
            "1200 reviews are past the target; the 50 oldest:"
        );
    }
}
