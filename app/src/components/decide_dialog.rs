//! The confirmation dialog for decisions made from the keyboard or in bulk:
//! a pre-flight table (model, thresholds, requester, and whether the
//! decision would be refused), the comment or reason, one confirmation, and
//! then each review's own outcome.

use crate::api::{preflight_decisions, BulkOutcome, DecideMany, PreflightRow};
use crate::domain::decision::Verdict;
use leptos::prelude::*;

/// Reviews to decide one way.
#[derive(Debug, Clone, PartialEq)]
pub struct DecideRequest {
    pub verdict: Verdict,
    pub ids: Vec<String>,
}

fn heading(verdict: Verdict, count: usize) -> String {
    let verb = match verdict {
        Verdict::Approve => "Approve",
        Verdict::Reject => "Reject",
    };
    match count {
        1 => format!("{verb} 1 review"),
        n => format!("{verb} {n} reviews"),
    }
}

/// Open while `request` holds one; `on_decided` runs once the decisions
/// have been answered.
#[component]
pub fn DecideDialog(
    request: RwSignal<Option<DecideRequest>>,
    #[prop(into)] on_decided: Callback<()>,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let confirm = NodeRef::<leptos::html::Button>::new();
    let comment_box = NodeRef::<leptos::html::Textarea>::new();
    let decide = ServerAction::<DecideMany>::new();
    let (comment, set_comment) = signal(String::new());
    let preflight = LocalResource::new(move || {
        let request = request.get();
        async move {
            match request {
                Some(r) => preflight_decisions(r.ids, r.verdict).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let verdict = move || request.with(|r| r.as_ref().map(|r| r.verdict));
    let count = move || request.with(|r| r.as_ref().map_or(0, |r| r.ids.len()));

    // Open and close with the request; start each one afresh.
    Effect::new(move |_| {
        let wanted = request.get();
        let Some(element) = dialog.get() else { return };
        match wanted {
            Some(_) if !element.open() => {
                set_comment.set(String::new());
                decide.value().set(None);
                let _ = element.show_modal();
            }
            None if element.open() => element.close(),
            _ => {}
        }
    });
    // Once the content is there: approve, Enter confirms; reject, the
    // reason comes first.
    Effect::new(move |_| {
        let focused = match verdict() {
            Some(Verdict::Approve) => confirm.get().map(|button| button.focus()),
            Some(Verdict::Reject) => comment_box.get().map(|text| text.focus()),
            None => None,
        };
        drop(focused);
    });
    Effect::new(move |_| {
        if decide.value().with(|v| matches!(v, Some(Ok(_)))) {
            on_decided.run(());
        }
    });

    let reason_missing =
        move || verdict() == Some(Verdict::Reject) && comment.read().trim().is_empty();
    let submit = move || {
        if let Some(r) = request.get_untracked() {
            if !reason_missing() {
                decide.dispatch(DecideMany {
                    ids: r.ids,
                    verdict: r.verdict,
                    comment: comment.get_untracked(),
                });
            }
        }
    };
    let answered = move || decide.value().with(Option::is_some);
    let close = move |_| request.set(None);

    view! {
        <dialog node_ref=dialog class="dialog decide-dialog" aria-labelledby="decide-h"
            on:close=move |_| request.set(None)>
            // Rendered only while open: a closed dialog holds no second
            // "Comment" field for the page's own form to be confused with.
            <Show when=move || request.with(Option::is_some)>
                <h2 id="decide-h">{move || verdict().map(|v| heading(v, count())).unwrap_or_default()}</h2>
                <Suspense fallback=|| view! { <p class="loading">"Checking the reviews…"</p> }>
                    {move || Suspend::new(async move {
                        match preflight.await {
                            Ok(Some(rows)) => view! { <PreflightTable rows /> }.into_any(),
                            Ok(None) => ().into_any(),
                            Err(error) => view! { <p class="notice error">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
                {move || match decide.value().get() {
                    Some(Ok(outcomes)) => view! { <Outcomes outcomes /> }.into_any(),
                    Some(Err(error)) => view! { <p class="notice error" role="alert">{error.to_string()}</p> }.into_any(),
                    None => ().into_any(),
                }}
                <div class="dialog-form" class:hidden=answered>
                    <label for="decide-comment">
                        {move || if verdict() == Some(Verdict::Reject) { "Reason for rejecting (required)" } else { "Comment (optional)" }}
                    </label>
                    <textarea
                        id="decide-comment"
                        rows="2"
                        node_ref=comment_box
                        prop:value=comment
                        on:input=move |ev| set_comment.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            // Ctrl+Enter (or ⌘+Enter) confirms from the text box.
                            if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                                ev.prevent_default();
                                submit();
                            }
                        }
                    ></textarea>
                </div>
                <div class="dialog-actions">
                    <button
                        type="button"
                        node_ref=confirm
                        class=move || if verdict() == Some(Verdict::Reject) { "btn reject" } else { "btn approve" }
                        class:hidden=answered
                        disabled=move || decide.pending().get() || reason_missing()
                        on:click=move |_| submit()
                    >
                        {move || verdict().map(|v| heading(v, count())).unwrap_or_default()}
                    </button>
                    <button type="button" class="btn" on:click=close>
                        {move || if answered() { "Close" } else { "Cancel" }}
                    </button>
                </div>
            </Show>
        </dialog>
    }
}

#[component]
fn PreflightTable(rows: Vec<PreflightRow>) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Reviews to decide">
            <table class="preflight">
                <thead>
                    <tr>
                        <th scope="col">"Review"</th>
                        <th scope="col">"Model"</th>
                        <th scope="col">"Thresholds"</th>
                        <th scope="col">"Requested by"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| view! {
                        <tr class:failing={row.failing_thresholds > 0}>
                            <td>
                                {row.title}
                                {row.blocked.map(|why| view! { <p class="hint why-not">{why}</p> })}
                            </td>
                            <td>{row.model}</td>
                            <td>{row.thresholds}</td>
                            <td>{row.requested_by.unwrap_or_else(|| "not named".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Outcomes(outcomes: Vec<BulkOutcome>) -> impl IntoView {
    let done = outcomes.iter().filter(|o| o.decided).count();
    let total = outcomes.len();
    view! {
        <p class="notice ok" role="status">{format!("{done} of {total} decided.")}</p>
        <ul class="bulk-outcomes">
            {outcomes.into_iter().map(|o| view! {
                <li class:refused=!o.decided>
                    <a href=format!("/reviews/{}", o.id)>{if o.decided { "✓ " } else { "✗ " }}{o.message}</a>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_count_the_reviews() {
        assert_eq!(heading(Verdict::Approve, 1), "Approve 1 review");
        assert_eq!(heading(Verdict::Reject, 3), "Reject 3 reviews");
    }
}
