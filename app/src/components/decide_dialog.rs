//! The confirmation dialog for decisions made from the keyboard or in bulk:
//! a pre-flight table (model, thresholds, requester, and whether the
//! decision would be refused), the comment or reason, one confirmation, and
//! then each review's own outcome.

use super::bulk_plan::{
    confirm_label, fate, fate_text, heading, needs_opt_in, nothing_to_decide, plan, result_lines,
    summary, Ending, Fate, Plan,
};
use crate::api::{preflight_decisions, DecideMany, PreflightRow};
use crate::domain::decision::Verdict;
use leptos::prelude::*;

/// Reviews to decide one way.
#[derive(Debug, Clone, PartialEq)]
pub struct DecideRequest {
    pub verdict: Verdict,
    pub ids: Vec<String>,
}

/// Where the focus goes: never to the confirm button, so one Enter does
/// not decide a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FocusOn {
    Comment,
    Cancel,
}

/// Open while `request` holds one; `on_decided` runs once the decisions
/// have been answered.
#[component]
pub fn DecideDialog(
    request: RwSignal<Option<DecideRequest>>,
    #[prop(into)] on_decided: Callback<()>,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let cancel = NodeRef::<leptos::html::Button>::new();
    let comment_box = NodeRef::<leptos::html::Textarea>::new();
    let decide = ServerAction::<DecideMany>::new();
    let (comment, set_comment) = signal(String::new());
    // Reviews with failing thresholds ticked to be approved anyway.
    let ticked = RwSignal::new(Vec::<String>::new());
    // What was sent, to say afterwards what became of each review.
    let sent = RwSignal::new(None::<Plan>);
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
    let rows = Memo::new(move |_| {
        preflight
            .get()
            .and_then(Result::ok)
            .flatten()
            .unwrap_or_default()
    });
    // None until the pre-flight has answered.
    let current_plan = Memo::new(move |_| {
        let verdict = verdict()?;
        preflight.get().and_then(Result::ok).flatten()?;
        Some(plan(verdict, &rows.read(), &ticked.read()))
    });

    // Open and close with the request; start each one afresh.
    Effect::new(move |_| {
        let wanted = request.get();
        let Some(element) = dialog.get() else { return };
        match wanted {
            Some(_) if !element.open() => {
                set_comment.set(String::new());
                ticked.set(Vec::new());
                sent.set(None);
                decide.value().set(None);
                let _ = element.show_modal();
            }
            None if element.open() => element.close(),
            _ => {}
        }
    });
    let answered = move || decide.value().with(Option::is_some);
    // Nothing to type when nothing here could be decided, or it is done.
    let nothing_to_type = move || {
        answered()
            || current_plan
                .read()
                .as_ref()
                .is_some_and(|plan| !plan.anything_decidable())
    };
    // Only when the target changes (not on every tick of a box).
    let focus_on = Memo::new(move |_| {
        request.with(Option::is_some).then(|| {
            if nothing_to_type() {
                FocusOn::Cancel
            } else {
                FocusOn::Comment
            }
        })
    });
    Effect::new(move |_| {
        let focused = match focus_on.get() {
            Some(FocusOn::Comment) => comment_box.get().map(|text| text.focus()),
            Some(FocusOn::Cancel) => cancel.get().map(|button| button.focus()),
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
    let nothing_sendable = move || {
        current_plan
            .read()
            .as_ref()
            .is_none_or(|plan| plan.send.is_empty())
    };
    let submit = move || {
        let Some(plan) = current_plan.get_untracked() else {
            return;
        };
        if reason_missing() || plan.send.is_empty() || decide.pending().get_untracked() {
            return;
        }
        decide.dispatch(DecideMany {
            ids: plan.send.clone(),
            verdict: plan.verdict,
            comment: comment.get_untracked(),
        });
        sent.set(Some(plan));
    };
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
                            Ok(Some(rows)) => match verdict() {
                                Some(verdict) => view! {
                                    <PreflightTable rows verdict ticked locked=Signal::derive(answered) />
                                }.into_any(),
                                None => ().into_any(),
                            },
                            Ok(None) => ().into_any(),
                            Err(error) => view! { <p class="notice error">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
                {move || match decide.value().get() {
                    Some(Ok(outcomes)) => {
                        let plan = sent.get_untracked();
                        let lines = plan
                            .map(|plan| result_lines(&rows.read_untracked(), &plan, &outcomes))
                            .unwrap_or_default();
                        view! { <Outcomes lines /> }.into_any()
                    }
                    Some(Err(error)) => view! { <p class="notice error" role="alert">{error.to_string()}</p> }.into_any(),
                    None => ().into_any(),
                }}
                {move || {
                    let why = current_plan.read().as_ref().and_then(nothing_to_decide);
                    why.filter(|_| !answered())
                        .map(|why| view! { <p class="notice warn" id="decide-none">{why}</p> })
                }}
                <div class="dialog-form" class:hidden=nothing_to_type>
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
                        class=move || if verdict() == Some(Verdict::Reject) { "btn reject" } else { "btn approve" }
                        class:hidden=answered
                        disabled=move || decide.pending().get() || reason_missing() || nothing_sendable()
                        on:click=move |_| submit()
                    >
                        {move || match current_plan.get() {
                            Some(plan) => confirm_label(&plan),
                            None => verdict().map(|v| heading(v, count())).unwrap_or_default(),
                        }}
                    </button>
                    <button type="button" class="btn" node_ref=cancel on:click=close>
                        {move || if answered() { "Close" } else { "Cancel" }}
                    </button>
                </div>
            </Show>
        </dialog>
    }
}

/// The pre-flight: each review, its model, thresholds and requester, and
/// what will become of it, with a box to approve anyway where thresholds
/// fail. `locked` once the decisions are sent.
#[component]
fn PreflightTable(
    rows: Vec<PreflightRow>,
    verdict: Verdict,
    ticked: RwSignal<Vec<String>>,
    locked: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Reviews to decide">
            <table class="preflight">
                <thead>
                    <tr>
                        <th scope="col">"Review"</th>
                        <th scope="col">"Model"</th>
                        <th scope="col">"Thresholds"</th>
                        <th scope="col">"Requested by"</th>
                        <th scope="col">"This decision"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let failing = row.failing_thresholds > 0;
                        let opt_in = needs_opt_in(verdict, &row);
                        let fate_of = {
                            let row = row.clone();
                            move || fate(verdict, &row, &ticked.read())
                        };
                        let skipped = {
                            let fate_of = fate_of.clone();
                            move || fate_of() != Fate::Decide
                        };
                        let (id, title) = (row.id.clone(), row.title.clone());
                        view! {
                            <tr class:failing=failing>
                                <th scope="row" data-label="Review">{row.title}</th>
                                <td data-label="Model">{row.model}</td>
                                <td data-label="Thresholds">
                                    {failing.then_some("✗ ")}{row.thresholds}
                                </td>
                                <td data-label="Requested by">{row.requested_by.unwrap_or_else(|| "not named".into())}</td>
                                <td data-label="This decision" class="fate"
                                    class:skipped=skipped>
                                    <span>{move || fate_text(verdict, &fate_of())}</span>
                                    {opt_in.then(|| {
                                        let is_ticked = {
                                            let id = id.clone();
                                            move || ticked.read().contains(&id)
                                        };
                                        view! {
                                            <label class="check opt-in">
                                                // Named with the review: a list of
                                                // "Approve anyway" boxes says nothing.
                                                <input type="checkbox"
                                                    aria-label=format!("Approve anyway: {title}")
                                                    prop:checked=is_ticked
                                                    disabled=move || locked.get()
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        ticked.update(|t| {
                                                            t.retain(|i| *i != id);
                                                            if on { t.push(id.clone()); }
                                                        });
                                                    } />
                                                "Approve anyway"
                                            </label>
                                        }
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Outcomes(lines: Vec<super::bulk_plan::ResultLine>) -> impl IntoView {
    let (said, all_decided) = summary(&lines);
    view! {
        <p class=if all_decided { "notice ok" } else { "notice warn" } role="status">{said}</p>
        <ul class="bulk-outcomes">
            {lines.into_iter().map(|line| {
                let (mark, word) = match line.ending {
                    Ending::Decided => ("✓", "Decided"),
                    Ending::Refused => ("✗", "Refused"),
                    Ending::Failed => ("✗", "Not recorded"),
                    Ending::Skipped => ("–", "Skipped"),
                };
                view! {
                    <li class:refused={line.ending != Ending::Decided}>
                        <span aria-hidden="true">{mark}" "</span>
                        <a href=format!("/reviews/{}", line.id)>{line.title}</a>
                        {format!(" · {word}: {}", line.message)}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
