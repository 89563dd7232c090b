//! A review's history as a timeline, oldest first.

use crate::domain::history::HistoryEntry;
use crate::domain::time::utc_minutes;
use leptos::prelude::*;

#[component]
pub fn History(entries: Vec<HistoryEntry>) -> impl IntoView {
    view! {
        <ol class="timeline">
            {entries
                .into_iter()
                .map(|entry| {
                    view! {
                        <li>
                            <time>{utc_minutes(entry.at_ms)}</time>
                            <span class="actor">{entry.actor}</span>
                            <span class="action">{entry.action}</span>
                            {entry.detail.map(|detail| view! { <span class="detail">{detail}</span> })}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
