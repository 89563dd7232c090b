//! `/audit`: the audit log for leads and admins, filtered by what the URL's
//! query says (so a filtered view is a link), newest first, page by page.
//! By default it shows what happened to reviews, without people looking
//! and signing in; "Decisions only" and "Everything" are one link away.
//! Whoever may not read the log sees only the refusal.

use crate::api::{list_audit, AppError, AuditEntryView, AuditPage};
use crate::components::{query_with, ActiveFilters, ErrorNotice, FilterKey, KnownValueLists};
use crate::domain::audit_action::Action;
use crate::domain::audit_filter::{AuditView, AUDIT_FILTER_KEYS, DEFAULT_VIEW};
use crate::domain::time::utc_minutes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_query_map};

/// The query-string keys that filter the log, as their chips read.
const AUDIT_FILTERS: &[FilterKey] = &[
    FilterKey::text(AUDIT_FILTER_KEYS[0], "Person"),
    FilterKey::text(AUDIT_FILTER_KEYS[1], "Action"),
    FilterKey::text(AUDIT_FILTER_KEYS[2], "Model"),
    FilterKey::text(AUDIT_FILTER_KEYS[3], "Text"),
    FilterKey::text(AUDIT_FILTER_KEYS[4], "From"),
    FilterKey::text(AUDIT_FILTER_KEYS[5], "To"),
];

/// The page cursor, dropped from every filter link.
const CURSOR: &[&str] = &["before_id"];

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let search = use_location().search.get_untracked();
    let entries = Resource::new(|| (), {
        let search = search.clone();
        move |_| list_audit(search.clone())
    });
    view! {
        <Title text="Audit log" />
        <h1>"Audit log"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let search = search.clone();
                Suspend::new(async move {
                    match entries.await {
                        Ok(page) => view! {
                            <AuditControls search />
                            <AuditTable page />
                        }
                        .into_any(),
                        // A bad filter is shown with the filters, to be put right.
                        Err(error @ AppError::Invalid(_)) => view! {
                            <AuditControls search />
                            <ErrorNotice error />
                        }
                        .into_any(),
                        // Refused (or failed): the refusal alone, no filters, no exports.
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// The views, the filter form, the chips and the export links, each
/// written with what the URL says.
#[component]
fn AuditControls(search: String) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let value = |key: &str| param(&query, key);
    let action = value("action");
    let view_now = AuditView::parse(&value("view")).unwrap_or(DEFAULT_VIEW);
    let view_links = [AuditView::Activity, AuditView::Decisions, AuditView::All]
        .into_iter()
        .map(|view| {
            // A view shows every action of its kind: a named action would
            // hide the view's other entries, so choosing a view drops it.
            let without_action =
                query_with(&query_with(&search, "before_id", None), "action", None);
            let value = (view != DEFAULT_VIEW).then(|| view.as_str());
            let href = format!("/audit{}", query_with(&without_action, "view", value));
            let current = (view == view_now && action.is_empty()).then_some("page");
            view! { <li><a href=href aria-current=current>{view.label()}</a></li> }
        })
        .collect_view();
    // An action this version does not list (an imported entry's) is kept
    // as an option, so the control still says what is in force.
    let unlisted = (!action.is_empty()
        && Action::parse(&action).is_none_or(|a| !Action::ALL.contains(&a)))
    .then(|| action.clone());
    // The filters and the view, without the page cursor: an export covers
    // every page of what is shown (and names its view: an export that
    // names none is of the whole log).
    let export_query = query_with(
        &query_with(&search, "before_id", None),
        "view",
        Some(view_now.as_str()),
    );
    view! {
        <nav aria-label="Audit views">
            <ul class="view-links">{view_links}</ul>
        </nav>
        <Form method="GET" action="">
            {(view_now != DEFAULT_VIEW).then(|| view! {
                <input type="hidden" name="view" value=view_now.as_str() />
            })}
            <div class="filters" role="search">
                <label>"Person" <input name="actor" value=param(&query, "actor") placeholder="email or system" /></label>
                <label>"Action"
                    <select name="action">
                        <option value="" selected=action.is_empty()>"any"</option>
                        {Action::ALL.iter().map(|a| {
                            let name = a.to_string();
                            let selected = name == action;
                            let label = if *a == Action::Approved {
                                "approved (and partial approvals)".to_owned()
                            } else {
                                name.clone()
                            };
                            view! { <option value=name.clone() selected=selected>{label}</option> }
                        }).collect_view()}
                        {unlisted.map(|name| {
                            let label = name.clone();
                            view! { <option value=name selected=true>{label}</option> }
                        })}
                    </select>
                </label>
                <label>"Model" <input name="model" value=param(&query, "model") list="known-models" autocomplete="off" /></label>
                <label>"Text" <input name="text" value=param(&query, "text") placeholder="words of the details" /></label>
                <label>"From" <input type="date" name="from" value=param(&query, "from") /></label>
                <label>"To" <input type="date" name="to" value=param(&query, "to") /></label>
                <button type="submit" class="btn">"Filter"</button>
            </div>
            <KnownValueLists />
        </Form>
        <ActiveFilters path="/audit" search=search.clone() keys=AUDIT_FILTERS cursor=CURSOR />
        <p class="exports">
            "Export what is shown: "
            <a href=format!("/audit/export.csv{export_query}") rel="external" download>"CSV"</a>
            " · "
            <a href=format!("/audit/export.jsonl{export_query}") rel="external" download>"JSON Lines"</a>
        </p>
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
                    <th scope="col">"Model"</th>
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
    let review = entry.review_id.map(|id| {
        // A review no longer stored (pruned data) is named by its id.
        let title = entry.review_title.unwrap_or_else(|| format!("review {id}"));
        view! { <a href=format!("/reviews/{id}")>{title}</a> }
    });
    view! {
        <tr>
            <td>{utc_minutes(entry.at_ms)}</td>
            <td>{entry.actor} {entry.actor_role.map(|role| view! { " " <span class="badge">{role}</span> })}</td>
            <td>{entry.action}</td>
            <td>{review}</td>
            <td>{entry.model}</td>
            <td>{entry.detail}</td>
        </tr>
    }
}

/// The value the URL gives `key`, trimmed; `""` when it gives none.
fn param(query: &leptos_router::params::ParamsMap, key: &str) -> String {
    query
        .get(key)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}
