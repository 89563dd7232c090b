//! `/overview`: the lead's view of a period: pending reviews by age and
//! against the review target, overdue reviews, decisions per reviewer, and
//! the median time to a decision.

use crate::api::{get_overview, OverviewView};
use crate::components::loaded;
use crate::domain::time::short_duration;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let query = use_query_map();
    let days = move || query.read().get("days").and_then(|d| d.parse().ok());
    let overview = Resource::new(days, get_overview);
    view! {
        <Title text="Overview" />
        <h1>"Overview"</h1>
        <nav class="periods" aria-label="Period">
            <a href="?days=7">"7 days"</a> <a href="?days=30">"30 days"</a> <a href="?days=90">"90 days"</a>
        </nav>
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
    view! {
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
                <table class="metrics">
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
    }
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
    use super::overdue_summary;

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
