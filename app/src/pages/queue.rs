//! `/`: the review queue, filtered, searched and sorted by what the URL's
//! query says (so a filtered queue is a link), fifty reviews a page. Worked
//! from the keyboard (j/k, Enter, x, a, r, /, ?) or in bulk: select
//! reviews, check the pre-flight table, confirm once.
//!
//! The filter form is server-rendered HTML (a GET of the page itself, its
//! controls showing the filters in force, with chips that remove one); the
//! table, the keys and the bulk bar are one island, [`QueueBoard`].

use crate::api::{list_queue, QueueItem, QueueSnapshot};
use crate::components::{
    active_filters, go_to, loaded, query_has, query_value, query_with, use_review_changes,
    use_shortcuts, use_ticking_now, ActiveFilters, DecideDialog, DecideRequest, FilterKey,
    KnownValueLists, MetricChip, Shortcut, ShortcutHelp, QUEUE_SHORTCUTS,
};
use crate::domain::decision::Verdict;
use crate::domain::intake::Priority;
use crate::domain::queue_query::{QueueSort, QueueView};
use crate::domain::review::ReviewStatus;
use crate::domain::time::{short_duration, until};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn QueuePage() -> impl IntoView {
    let search = use_location().search.get_untracked();
    view! {
        <Title text="Queue" />
        <QueueBoard search>
            <ViewControl />
            <QueueFilters />
        </QueueBoard>
    }
}

/// Whose reviews are listed, as links that keep the other filters (and
/// start again from the first page).
#[component]
fn ViewControl() -> impl IntoView {
    let search = use_location().search.get_untracked();
    let active = query_value(&search, "view")
        .and_then(|v| QueueView::parse(&v))
        .unwrap_or_default();
    let from_start = query_with(&search, "after", None);
    view! {
        <nav class="segmented queue-views" aria-label="Whose reviews">
            {QueueView::ALL.iter().copied().map(|view| {
                let value = (view != QueueView::Everyone).then_some(view.as_str());
                let href = format!("/{}", query_with(&from_start, "view", value));
                let current = (view == active).then_some("page");
                view! { <a href=href aria-current=current>{view.label()}</a> }
            }).collect_view()}
        </nav>
    }
}

/// What is live on the queue page: the reviews, the keyboard, the selection
/// and the decision dialogs. `search` is the page's query string (an island
/// has no router to ask); `children` is the filter form, rendered on the
/// server between the heading and the table.
#[island]
fn QueueBoard(search: String, children: Children) -> impl IntoView {
    let queue = Resource::new(|| (), {
        let search = search.clone();
        move |_| list_queue(search.clone())
    });
    // Reviews arrive, are decided elsewhere or expire: show it without a
    // reload (one refetch per batch of changes, at most twice a second).
    use_review_changes(move |_| queue.refetch());

    // The page's reviews in order, the one the keyboard is on, the ones
    // ticked for a bulk decision, and the decision being confirmed.
    let on_page = RwSignal::new(Vec::<String>::new());
    let current = RwSignal::new(None::<String>);
    let selected = RwSignal::new(Vec::<String>::new());
    let deciding = RwSignal::new(None::<DecideRequest>);
    let help = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(snapshot)) = queue.get() {
            let ids: Vec<String> = snapshot.items.iter().map(|i| i.id.clone()).collect();
            // Reviews that left the page (decided, expired) leave the selection.
            selected.update(|s| s.retain(|id| ids.contains(id)));
            on_page.set(ids);
        }
    });
    use_shortcuts(move |shortcut| {
        let ids = on_page.get_untracked();
        let at = current
            .get_untracked()
            .and_then(|id| ids.iter().position(|i| *i == id));
        let target = |verdict| {
            let chosen = selected.get_untracked();
            let ids = if chosen.is_empty() {
                current.get_untracked().into_iter().collect()
            } else {
                chosen
            };
            (!ids.is_empty()).then_some(DecideRequest { verdict, ids })
        };
        match shortcut {
            Shortcut::Next | Shortcut::Previous => {
                let next = match (shortcut, at) {
                    (Shortcut::Next, Some(i)) => (i + 1).min(ids.len().saturating_sub(1)),
                    (Shortcut::Previous, Some(i)) => i.saturating_sub(1),
                    _ => 0,
                };
                if let Some(id) = ids.get(next) {
                    current.set(Some(id.clone()));
                    focus(&format!("table.queue a[href='/reviews/{id}']"));
                }
            }
            Shortcut::Open => {
                if let Some(id) = current.get_untracked() {
                    go_to(&format!("/reviews/{id}"));
                }
            }
            Shortcut::Select => {
                if let Some(id) = current.get_untracked() {
                    selected.update(|s| toggle(s, &id));
                }
            }
            Shortcut::Approve => deciding.set(target(Verdict::Approve)),
            Shortcut::Reject => deciding.set(target(Verdict::Reject)),
            Shortcut::Search => focus("#queue-search"),
            Shortcut::Help => help.set(true),
        }
    });
    let bulk = move |verdict| {
        deciding.set(Some(DecideRequest {
            verdict,
            ids: selected.get_untracked(),
        }))
    };

    view! {
        <div class="page-head">
            <h1>"Review queue"</h1>
            <button type="button" class="link-button keys-hint" on:click=move |_| help.set(true)>
                "Keyboard shortcuts (?)"
            </button>
        </div>
        {children()}
        <Transition fallback=|| view! { <p class="loading">"Loading the queue…"</p> }>
            {move || {
                let search = search.clone();
                Suspend::new(async move {
                    loaded(queue.await, |snapshot| view! { <QueueTable snapshot search current selected /> })
                })
            }}
        </Transition>
        <Show when=move || !selected.read().is_empty()>
            <div class="bulk-bar" role="region" aria-label="Selected reviews">
                <span>{move || format!("{} selected", selected.read().len())}</span>
                <button type="button" class="btn approve" on:click=move |_| bulk(Verdict::Approve)>"Approve selected…"</button>
                <button type="button" class="btn reject" on:click=move |_| bulk(Verdict::Reject)>"Reject selected…"</button>
                <button type="button" class="link-button" on:click=move |_| selected.set(Vec::new())>"Clear selection"</button>
            </div>
        </Show>
        <DecideDialog request=deciding on_decided=move |_| {
            selected.set(Vec::new());
            queue.refetch();
        } />
        <ShortcutHelp open=help keys=QUEUE_SHORTCUTS />
    }
}

/// Adds `id` to the selection, or takes it out.
fn toggle(selection: &mut Vec<String>, id: &str) {
    match selection.iter().position(|s| s == id) {
        Some(at) => {
            selection.remove(at);
        }
        None => selection.push(id.to_owned()),
    }
}

/// Moves the keyboard focus to the element `selector` finds (the browser
/// scrolls it into view).
fn focus(selector: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(element) = document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = selector;
}

/// The query-string keys that filter the queue, as their chips read.
const QUEUE_FILTERS: &[FilterKey] = &[
    FilterKey::text("q", "Search"),
    FilterKey::text("model", "Model"),
    FilterKey::text("group", "Reviewer group"),
    FilterKey::text("priority", "Priority"),
    FilterKey::text("status", "Status").unless("pending"),
    FilterKey::flag("failing", "Failing thresholds only"),
];

/// The filter form: a GET of the page itself, so the URL holds the view.
/// Every control is written with the value the URL gives it (attributes,
/// not properties: they are in the HTML, with or without JavaScript), so
/// changing one filter and applying keeps the others.
#[component]
fn QueueFilters() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let search = use_location().search.get_untracked();
    let value = |key: &str| param(&query, key);
    // A select with no value in the URL shows what the server applies.
    let or_default = |key: &str, default: &str| {
        Some(value(key))
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    let (priority, status, sort) = (
        value("priority"),
        or_default("status", ReviewStatus::Pending.as_str()),
        or_default("sort", QueueSort::Deadline.as_str()),
    );
    let failing = !value("failing").is_empty();
    let view_in_force = Some(value("view")).filter(|v| !v.is_empty());
    let in_force = active_filters("/", &search, QUEUE_FILTERS, &["after"]).len();
    view! {
        <Form method="GET" action="">
            {view_in_force.map(|view| view! { <input type="hidden" name="view" value=view /> })}
            // On a phone the filters wait behind one button; on a wider
            // screen the stylesheet shows them open, without the button.
            <details class="filter-drawer">
            <summary class="btn">{format!("Filters ({in_force})")}</summary>
            <div class="filters" role="search">
                <label class="grow">"Search"
                    <input id="queue-search" type="search" name="q" value=param(&query, "q")
                        placeholder="words of the title, model or requester" />
                </label>
                <label>"Model" <input name="model" value=param(&query, "model") list="known-models" autocomplete="off" /></label>
                <label>"Reviewer group" <input name="group" value=param(&query, "group") list="known-groups" autocomplete="off" /></label>
                <label>"Priority"
                    <select name="priority">
                        <option value="" selected=priority.is_empty()>"any"</option>
                        {Priority::ALL.iter().rev().map(|p| view! {
                            <option value=p.as_str() selected={priority == p.as_str()}>{p.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Status"
                    <select name="status">
                        {ReviewStatus::ALL.iter().map(|s| view! {
                            <option value=s.as_str() selected={status == s.as_str()}>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Sort"
                    <select name="sort">
                        {QueueSort::ALL.iter().map(|s| view! {
                            <option value=s.as_str() selected={sort == s.as_str()}>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" name="failing" value="1" checked=failing />
                    "Failing thresholds only"
                </label>
                <button type="submit" class="btn">"Apply"</button>
            </div>
            </details>
            <KnownValueLists />
        </Form>
        <ActiveFilters path="/" search keys=QUEUE_FILTERS cursor=&["after"] />
    }
}

#[component]
fn QueueTable(
    snapshot: QueueSnapshot,
    search: String,
    current: RwSignal<Option<String>>,
    selected: RwSignal<Vec<String>>,
) -> impl IntoView {
    let filtered = snapshot.filtered;
    let first_page = query_has(&search, "after");
    let pending = snapshot.pending;
    let summary = match (filtered, snapshot.items.len()) {
        (false, _) => format!("{pending} pending"),
        (true, shown) => format!("{shown} shown on this page · {pending} pending in all"),
    };
    let next = snapshot
        .next_after
        .map(|after| query_with(&search, "after", Some(&after)));
    let start = first_page.then(|| query_with(&search, "after", None));
    let role_note = snapshot
        .role_note
        .clone()
        .map(|note| view! { <p class="notice info role-note">{note}</p> });
    if snapshot.items.is_empty() {
        let view = query_value(&search, "view").and_then(|v| QueueView::parse(&v));
        let only_the_view = active_filters("/", &search, QUEUE_FILTERS, &[]).is_empty();
        let message = if view == Some(QueueView::NeedsMe) && only_the_view {
            "Nothing needs your review: the pending reviews are approved by you already, your own requests, or for other groups."
        } else if filtered {
            "No reviews match these filters."
        } else {
            "No reviews are waiting. A request appears here as soon as a workflow pauses for approval."
        };
        return view! {
            {role_note}
            <p class="count">{summary}</p>
            <p class="empty">{message}</p>
            {start.map(|href| view! { <p><a href=format!("/{href}")>"First page"</a></p> })}
        }
        .into_any();
    }
    let now = use_ticking_now(snapshot.now_ms);
    let page_ids: Vec<String> = snapshot.items.iter().map(|i| i.id.clone()).collect();
    let all_ids = page_ids.clone();
    let all_selected = move || {
        let chosen = selected.read();
        page_ids.iter().all(|id| chosen.contains(id))
    };
    let select_all = move |ev| {
        let ids = all_ids.clone();
        selected.set(if event_target_checked(&ev) {
            ids
        } else {
            Vec::new()
        });
    };
    view! {
        {role_note}
        <p class="count">{summary}</p>
        <table class="queue">
            <thead>
                <tr>
                    <th scope="col" class="select">
                        <label class="tap">
                            <input type="checkbox" aria-label="Select every review on this page"
                                prop:checked=all_selected on:change=select_all />
                        </label>
                    </th>
                    <th scope="col">"Review"</th>
                    <th scope="col">"Model"</th>
                    <th scope="col">"Key metrics"</th>
                    <th scope="col">"Requested by"</th>
                    <th scope="col">"Age"</th>
                    <th scope="col">"Deadline"</th>
                </tr>
            </thead>
            <tbody>
                {snapshot.items.into_iter().map(|item| view! { <QueueRow item now current selected /> }).collect_view()}
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
fn QueueRow(
    item: QueueItem,
    now: ReadSignal<i64>,
    current: RwSignal<Option<String>>,
    selected: RwSignal<Vec<String>>,
) -> impl IntoView {
    let href = format!("/reviews/{}", item.id);
    let (received, deadline) = (item.received_at_ms, item.deadline_ms);
    let overdue = move || deadline.is_some_and(|d| d < now.get());
    let id = item.id.clone();
    let is_current = {
        let id = id.clone();
        move || current.read().as_deref() == Some(id.as_str())
    };
    let is_selected = {
        let id = id.clone();
        move || selected.read().contains(&id)
    };
    let (focus_id, toggle_id) = (id.clone(), id);
    let barred = item.mark.is_some();
    view! {
        <tr
            class:failing={item.failing_thresholds > 0}
            class:barred=barred
            class:current=is_current
            on:focusin=move |_| current.set(Some(focus_id.clone()))
        >
            <td class="select">
                <label class="tap">
                    <input type="checkbox" aria-label=format!("Select {}", item.title)
                        prop:checked=is_selected
                        on:change=move |_| selected.update(|s| toggle(s, &toggle_id)) />
                </label>
            </td>
            <td>
                <a href=href>{item.title}</a>
                {(item.priority > Priority::Normal).then(|| view! {
                    <span class=format!("badge priority priority-{}", item.priority.as_str())>
                        {format!("⚑ {} priority", item.priority.as_str())}
                    </span>
                })}
                {(item.failing_thresholds > 0).then(|| view! {
                    <span class="badge failing">{format!("✗ {} failing", item.failing_thresholds)}</span>
                })}
                {(item.required_approvals > 1).then(|| view! {
                    <span class="badge">{format!("{} of {} approvals", item.approvals, item.required_approvals)}</span>
                })}
                {item.mark.map(|mark| view! {
                    <span class="row-mark" title=mark.why.clone()>
                        {mark.label}
                        <span class="visually-hidden">{format!(": {}", mark.why)}</span>
                    </span>
                })}
            </td>
            <td data-label="Model">{item.model_name} " " <span class="version">{format!("v{}", item.model_version)}</span></td>
            <td data-label="Key metrics">
                <div class="chips">
                    {item.key_metrics.into_iter().map(|metric| view! { <MetricChip metric /> }).collect_view()}
                </div>
            </td>
            <td data-label="Requested by">{item.requested_by.unwrap_or_else(|| "not named".into())}</td>
            <td data-label="Waiting">{move || short_duration(now.get() - received)}</td>
            <td data-label="Due" class:overdue=overdue>
                {move || deadline.map(|d| until(d, now.get())).unwrap_or_else(|| "none".into())}
            </td>
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
