//! `/`: the review queue, filtered, searched and sorted by what the URL's
//! query says (so a filtered queue is a link), fifty reviews a page.

use crate::api::{list_queue, QueueItem, QueueSnapshot};
use crate::components::{loaded, query_with, use_review_changes, use_ticking_now, MetricChip};
use crate::domain::intake::Priority;
use crate::domain::queue_query::QueueSort;
use crate::domain::review::ReviewStatus;
use crate::domain::time::{short_duration, until};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn QueuePage() -> impl IntoView {
    let location = use_location();
    let queue = Resource::new(move || location.search.get(), list_queue);
    // Reviews arrive, are decided elsewhere or expire: show it without a
    // reload (one refetch per batch of changes, at most twice a second).
    use_review_changes(move |_| queue.refetch());
    view! {
        <Title text="Queue" />
        <h1>"Review queue"</h1>
        <QueueFilters />
        <Transition fallback=|| view! { <p class="loading">"Loading the queue…"</p> }>
            {move || Suspend::new(async move {
                loaded(queue.await, |snapshot| view! { <QueueTable snapshot /> })
            })}
        </Transition>
    }
}

/// The filter form: a GET of the page itself, so the URL holds the view.
#[component]
fn QueueFilters() -> impl IntoView {
    let query = use_query_map();
    let value = move |key: &'static str| move || query.read().get(key).unwrap_or_default();
    let failing = move || query.read().get("failing").is_some_and(|v| !v.is_empty());
    view! {
        <Form method="GET" action="">
            <div class="filters" role="search">
                <label class="grow">"Search"
                    <input id="queue-search" type="search" name="q" prop:value=value("q")
                        placeholder="title, model or requester" />
                </label>
                <label>"Model" <input name="model" prop:value=value("model") /></label>
                <label>"Reviewer group" <input name="group" prop:value=value("group") /></label>
                <label>"Priority"
                    <select name="priority" prop:value=value("priority")>
                        <option value="">"any"</option>
                        {Priority::ALL.into_iter().rev().map(|p| view! {
                            <option value=p.as_str()>{p.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Status"
                    <select name="status" prop:value=value("status")>
                        {ReviewStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str()>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Sort"
                    <select name="sort" prop:value=value("sort")>
                        {QueueSort::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str()>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" name="failing" value="1" prop:checked=failing />
                    "Failing thresholds only"
                </label>
                <button type="submit" class="btn">"Apply"</button>
            </div>
        </Form>
    }
}

#[component]
fn QueueTable(snapshot: QueueSnapshot) -> impl IntoView {
    let query = use_query_map();
    let filtered = snapshot.filtered;
    let first_page = query.with_untracked(|q| q.get("after").is_some());
    let pending = snapshot.pending;
    let summary = match (filtered, snapshot.items.len()) {
        (false, _) => format!("{pending} pending"),
        (true, shown) => format!("{shown} shown on this page · {pending} pending in all"),
    };
    let next = snapshot
        .next_after
        .map(|after| query_with(&query.get_untracked(), "after", Some(&after)));
    let start = first_page.then(|| query_with(&query.get_untracked(), "after", None));
    if snapshot.items.is_empty() {
        let message = if filtered {
            "No reviews match these filters."
        } else {
            "No reviews are waiting. A request appears here as soon as a workflow pauses for approval."
        };
        return view! {
            <p class="count">{summary}</p>
            <p class="empty">{message}</p>
            {start.map(|href| view! { <p><a href=format!("/{href}")>"First page"</a></p> })}
        }
        .into_any();
    }
    let now = use_ticking_now(snapshot.now_ms);
    view! {
        <p class="count">{summary}</p>
        <table class="queue">
            <thead>
                <tr>
                    <th scope="col">"Review"</th>
                    <th scope="col">"Model"</th>
                    <th scope="col">"Key metrics"</th>
                    <th scope="col">"Requested by"</th>
                    <th scope="col">"Age"</th>
                    <th scope="col">"Deadline"</th>
                </tr>
            </thead>
            <tbody>
                {snapshot.items.into_iter().map(|item| view! { <QueueRow item now /> }).collect_view()}
            </tbody>
        </table>
        <nav class="pages" aria-label="Queue pages">
            {start.map(|href| view! { <a href=format!("/{href}")>"First page"</a> })}
            {next.map(|href| view! { <a href=format!("/{href}") rel="next">"Next page"</a> })}
        </nav>
    }
    .into_any()
}

#[component]
fn QueueRow(item: QueueItem, now: ReadSignal<i64>) -> impl IntoView {
    let href = format!("/reviews/{}", item.id);
    let (received, deadline) = (item.received_at_ms, item.deadline_ms);
    let overdue = move || deadline.is_some_and(|d| d < now.get());
    view! {
        <tr class:failing={item.failing_thresholds > 0}>
            <td>
                <a href=href>{item.title}</a>
                {(item.priority > Priority::Normal).then(|| view! {
                    <span class=format!("badge priority-{}", item.priority.as_str())>{item.priority.as_str()}</span>
                })}
                {(item.failing_thresholds > 0).then(|| view! {
                    <span class="badge warn">{format!("{} failing", item.failing_thresholds)}</span>
                })}
                {(item.required_approvals > 1).then(|| view! {
                    <span class="badge">{format!("{} of {} approvals", item.approvals, item.required_approvals)}</span>
                })}
            </td>
            <td>{item.model_name} " " <span class="version">{format!("v{}", item.model_version)}</span></td>
            <td>
                <div class="chips">
                    {item.key_metrics.into_iter().map(|metric| view! { <MetricChip metric /> }).collect_view()}
                </div>
            </td>
            <td>{item.requested_by}</td>
            <td>{move || short_duration(now.get() - received)}</td>
            <td class:overdue=overdue>
                {move || deadline.map(|d| until(d, now.get())).unwrap_or_else(|| "none".into())}
            </td>
        </tr>
    }
}
