//! `/audit`: the audit log for leads and admins, filtered by what the URL's
//! query says (so a filtered view is a link), newest first, page by page.

use crate::api::{list_audit, AuditEntryView, AuditPage};
use crate::components::{loaded, query_with};
use crate::domain::audit_action::Action;
use crate::domain::time::{day_start_ms, utc_minutes};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.read().get(key).filter(|v| !v.is_empty());
    let entries = Resource::new(
        move || {
            (
                param("actor"),
                param("action"),
                param("model"),
                param("text"),
                param("from"),
                param("to"),
                param("before_id"),
            )
        },
        |(actor, action, model, text, from, to, before_id)| {
            let from_ms = from.as_deref().and_then(day_start_ms);
            // "To" includes the whole day.
            let to_ms = to
                .as_deref()
                .and_then(day_start_ms)
                .map(|ms| ms + 86_400_000);
            let before_id = before_id.and_then(|b| b.parse().ok());
            list_audit(actor, action, model, text, from_ms, to_ms, before_id)
        },
    );
    let value = move |key: &'static str| move || param(key).unwrap_or_default();
    // The filters, without the page cursor: an export covers every page.
    let search = use_location().search;
    let export_query = move || query_with(&search.read(), "before_id", None);
    view! {
        <Title text="Audit log" />
        <h1>"Audit log"</h1>
        <Form method="GET" action="">
            <div class="filters">
                <label>"Person" <input name="actor" prop:value=value("actor") placeholder="email or system" /></label>
                <label>"Action"
                    <select name="action" prop:value=value("action")>
                        <option value="">"any"</option>
                        {Action::ALL.iter().map(|action| {
                            let name = action.to_string();
                            view! { <option value=name.clone()>{name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Model" <input name="model" prop:value=value("model") /></label>
                <label>"Text" <input name="text" prop:value=value("text") /></label>
                <label>"From" <input type="date" name="from" prop:value=value("from") /></label>
                <label>"To" <input type="date" name="to" prop:value=value("to") /></label>
                <button type="submit" class="btn">"Filter"</button>
            </div>
        </Form>
        <p class="exports">
            "Export what is shown: "
            <a href=move || format!("/audit/export.csv{}", export_query()) rel="external" download>"CSV"</a>
            " · "
            <a href=move || format!("/audit/export.jsonl{}", export_query()) rel="external" download>"JSON Lines"</a>
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                loaded(entries.await, |page| view! { <AuditTable page /> })
            })}
        </Transition>
    }
}

#[component]
fn AuditTable(page: AuditPage) -> impl IntoView {
    if page.entries.is_empty() {
        return view! { <p class="empty">"No entries match."</p> }.into_any();
    }
    let search = use_location().search;
    let older = page.next_before_id.map(|before| {
        query_with(
            &search.get_untracked(),
            "before_id",
            Some(&before.to_string()),
        )
    });
    view! {
        // On a phone the table scrolls inside its box, not the page.
        <div class="table-scroll" tabindex="0" role="region" aria-label="Audit entries">
        <table class="audit">
            <thead>
                <tr>
                    <th scope="col">"When (UTC)"</th>
                    <th scope="col">"Who"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Review"</th>
                    <th scope="col">"Details"</th>
                </tr>
            </thead>
            <tbody>{page.entries.into_iter().map(|entry| view! { <AuditRow entry /> }).collect_view()}</tbody>
        </table>
        </div>
        {older.map(|href| view! { <p><a href=href rel="next">"Older entries"</a></p> })}
    }
    .into_any()
}

#[component]
fn AuditRow(entry: AuditEntryView) -> impl IntoView {
    view! {
        <tr>
            <td>{utc_minutes(entry.at_ms)}</td>
            <td>{entry.actor} {entry.actor_role.map(|role| view! { " " <span class="badge">{role}</span> })}</td>
            <td>{entry.action}</td>
            <td>{entry.review_id.map(|id| view! { <a href=format!("/reviews/{id}")>"open"</a> })}</td>
            <td>{entry.detail}</td>
        </tr>
    }
}
