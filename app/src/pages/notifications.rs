//! `/notifications`: the newest notifications, each with its route,
//! destination, state, attempts and last error, for admins.

use crate::api::{list_notifications, NotificationView};
use crate::components::loaded;
use crate::domain::time::utc_minutes;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let notifications = Resource::new(|| (), |_| list_notifications());
    view! {
        <Title text="Notifications" />
        <h1>"Notifications"</h1>
        <p class="lead">
            "The newest 200 messages the configuration's routes sent or are sending, newest first. "
            "A message that failed for good is in the audit log as "<code>"notification failed"</code>"."
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                loaded(notifications.await, |items| view! { <NotificationTable items /> })
            })}
        </Suspense>
    }
}

#[component]
fn NotificationTable(items: Vec<NotificationView>) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <div class="empty">
                <p>"Nothing has been sent yet."</p>
                <p>
                    "Notifications go to the routes of the configuration file (" <code>"--config"</code> "): add a "
                    <code>"[[notify.route]]"</code>
                    " with the events to hear and where to send them (Slack, e-mail, SNS or a webhook); "
                    <code>"deploy/signoff.example.toml"</code> " shows each kind. E-mail also needs "
                    <code>"--smtp-url"</code> " and " <code>"--email-from"</code> "."
                </p>
            </div>
        }
        .into_any();
    }
    view! {
        // On a phone the table scrolls inside its box, not the page.
        <div class="table-scroll" tabindex="0" role="region" aria-label="Notifications">
        <table class="audit notifications">
            <thead>
                <tr>
                    <th scope="col">"Queued (UTC)"</th>
                    <th scope="col">"Review"</th>
                    <th scope="col">"Event"</th>
                    <th scope="col">"Route"</th>
                    <th scope="col">"Destination"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Attempts"</th>
                    <th scope="col">"Last error"</th>
                </tr>
            </thead>
            <tbody>{items.into_iter().map(|item| view! { <NotificationRow item /> }).collect_view()}</tbody>
        </table>
        </div>
    }
    .into_any()
}

#[component]
fn NotificationRow(item: NotificationView) -> impl IntoView {
    // The id's first block is enough to tell reviews apart on one page.
    let short = item
        .review_id
        .split('-')
        .next()
        .unwrap_or_default()
        .to_owned();
    let sent = item
        .sent_at_ms
        .map(|at| view! { <span class="meta">" at " {utc_minutes(at)}</span> });
    view! {
        <tr>
            <td>{utc_minutes(item.queued_at_ms)}</td>
            <td><a href=format!("/reviews/{}", item.review_id) title=item.review_id.clone()><code>{short}</code></a></td>
            <td>{item.event}</td>
            <td>{item.route}</td>
            <td class="destination"><code>{item.destination}</code></td>
            <td><span class=format!("badge notify-{}", item.state)>{item.state.clone()}</span> {sent}</td>
            <td class="num">{item.attempts}</td>
            <td class="error">{item.last_error}</td>
        </tr>
    }
}
