//! `/`: pending reviews, nearest deadline first.

use crate::api::{list_queue, QueueItem, QueueSnapshot};
use crate::components::{loaded, use_ticking_now, MetricChip};
use crate::domain::time::{short_duration, until};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn QueuePage() -> impl IntoView {
    let queue = Resource::new(|| (), |_| list_queue());
    view! {
        <Title text="Queue" />
        <h1>"Review queue"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading the queue…"</p> }>
            {move || Suspend::new(async move {
                loaded(queue.await, |snapshot| view! { <QueueTable snapshot /> })
            })}
        </Suspense>
    }
}

#[component]
fn QueueTable(snapshot: QueueSnapshot) -> impl IntoView {
    if snapshot.items.is_empty() {
        return view! {
            <p class="empty">
                "No reviews are waiting. A request appears here as soon as a workflow pauses for approval."
            </p>
        }
        .into_any();
    }
    let now = use_ticking_now(snapshot.now_ms);
    let count = snapshot.items.len();
    view! {
        <p class="count">{format!("{count} pending")}</p>
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
