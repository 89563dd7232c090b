//! `/intake/rejected`: messages that could not become reviews, and why.

use crate::api::list_rejected_intake;
use crate::components::ErrorNotice;
use crate::domain::rejected_intake::RejectedIntake;
use crate::domain::time::utc_minutes;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RejectedIntakePage() -> impl IntoView {
    let rejected = Resource::new(|| (), |_| list_rejected_intake());
    view! {
        <Title text="Rejected intake" />
        <h1>"Rejected intake"</h1>
        <p class="lead">
            "Messages that could not become reviews. Each stays on the intake queue for its dead-letter policy; "
            "when it carried a task token, the waiting workflow was failed with "<code>"Signoff.InvalidRequest"</code>"."
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rejected.await {
                    Ok(items) if items.is_empty() => view! { <p class="empty">"No rejected messages."</p> }.into_any(),
                    Ok(items) => items.into_iter().map(|item| view! { <RejectedItem item /> }).collect_view().into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RejectedItem(item: RejectedIntake) -> impl IntoView {
    view! {
        <article class="panel rejected">
            <header>
                <time>{utc_minutes(item.received_at_ms)}</time>
                " · " {item.source} " message " <code>{item.message_id}</code>
                {(item.receive_count > 1).then(|| format!(" · received {} times", item.receive_count))}
                {item.workflow_notified.then(|| view! { <span class="badge">"workflow failed"</span> })}
            </header>
            {item.execution_arn.map(|arn| view! { <p class="meta">"Execution " <code>{arn}</code></p> })}
            <ul class="reasons">
                {item.reasons.into_iter().map(|reason| view! { <li>{reason}</li> }).collect_view()}
            </ul>
            {item.redacted_body.map(|body| view! {
                <details>
                    <summary>"Message (task token redacted)"</summary>
                    <pre>{body}</pre>
                </details>
            })}
        </article>
    }
}
