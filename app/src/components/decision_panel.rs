//! Approve, or reject with a reason; once one's approval is in and the
//! review waits for more, withdraw it. Plain forms posting to the server
//! functions, so they work before hydration too; once hydrated, a submit
//! dispatches the action instead (from the fields' signals: no form
//! parsing in the browser). The server re-checks everything the form checks.

use crate::api::{DecideReview, WithdrawApproval};
use crate::domain::decision::Verdict;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// `cannot_approve` / `cannot_reject` say why the person viewing may not
/// (the server refuses such a decision anyway; this only explains it).
/// `waiting`, when the viewer's approval is in, says what the review still
/// waits for; the approve form then gives way to withdrawing it.
#[component]
pub fn DecisionPanel(
    review_id: String,
    action: ServerAction<DecideReview>,
    withdraw: ServerAction<WithdrawApproval>,
    cannot_approve: Option<String>,
    cannot_reject: Option<String>,
    waiting: Option<String>,
    /// What is typed, held by the page so it outlives this panel.
    comment: RwSignal<String>,
    reason: RwSignal<String>,
) -> impl IntoView {
    let reason_missing = move || reason.read().trim().is_empty();
    let pending = action.pending();
    let submit = {
        let review_id = review_id.clone();
        move |verdict: Verdict| {
            let id = review_id.clone();
            move |event: leptos::ev::SubmitEvent| {
                event.prevent_default();
                let comment = match verdict {
                    Verdict::Approve => comment.get_untracked(),
                    Verdict::Reject => reason.get_untracked(),
                };
                action.dispatch(DecideReview {
                    id: id.clone(),
                    verdict,
                    comment,
                });
            }
        }
    };
    let url = DecideReview::url();
    let approve_or_withdraw = match waiting {
        Some(waiting) => view! {
            <WithdrawForm review_id=review_id.clone() withdraw waiting />
        }
        .into_any(),
        None => view! {
            <form method="post" action=url on:submit=submit(Verdict::Approve)>
                <input type="hidden" name="id" value=review_id.clone() />
                <input type="hidden" name="verdict" value="approve" />
                <label for="approve-comment">"Comment (optional)"</label>
                <textarea id="approve-comment" name="comment" rows="2"
                    on:input=move |ev| comment.set(event_target_value(&ev))
                    prop:value=comment
                ></textarea>
                <button
                    type="submit"
                    class="btn approve"
                    disabled={
                        let blocked = cannot_approve.is_some();
                        move || blocked || pending.get()
                    }
                    aria-describedby="approve-hint"
                >
                    "Approve"
                </button>
                {cannot_approve.map(|why| view! { <p id="approve-hint" class="hint why-not">{why}</p> })}
            </form>
        }
        .into_any(),
    };
    view! {
        <div class="decide">
            {approve_or_withdraw}
            <form method="post" action=url on:submit=submit(Verdict::Reject)>
                <input type="hidden" name="id" value=review_id />
                <input type="hidden" name="verdict" value="reject" />
                <label for="reject-reason">"Reason for rejecting (required)"</label>
                <textarea
                    id="reject-reason"
                    name="comment"
                    rows="2"
                    required
                    aria-describedby="reject-hint"
                    on:input=move |ev| reason.set(event_target_value(&ev))
                    prop:value=reason
                ></textarea>
                <button
                    type="submit"
                    class="btn reject"
                    disabled={
                        let blocked = cannot_reject.is_some();
                        move || blocked || pending.get() || reason_missing()
                    }
                >
                    "Reject"
                </button>
                {match cannot_reject {
                    Some(why) => view! { <p id="reject-hint" class="hint why-not">{why}</p> }.into_any(),
                    None => view! {
                        <p id="reject-hint" class="hint" class:hidden=move || !reason_missing()>
                            "A rejection needs a reason: write one to enable Reject."
                        </p>
                    }.into_any(),
                }}
            </form>
        </div>
    }
}

/// "You approved · waiting for 1 more", and a way to take it back while
/// the review is pending (audited, with an optional reason).
#[component]
fn WithdrawForm(
    review_id: String,
    withdraw: ServerAction<WithdrawApproval>,
    waiting: String,
) -> impl IntoView {
    let (reason, set_reason) = signal(String::new());
    let pending = withdraw.pending();
    let submit = {
        let id = review_id.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            withdraw.dispatch(WithdrawApproval {
                id: id.clone(),
                reason: reason.get_untracked(),
            });
        }
    };
    view! {
        <form method="post" action=WithdrawApproval::url() on:submit=submit class="withdraw">
            <p class="notice waiting" data-testid="waiting">{waiting}</p>
            <input type="hidden" name="id" value=review_id />
            <label for="withdraw-reason">"Why you withdraw it (optional)"</label>
            <textarea id="withdraw-reason" name="reason" rows="1"
                on:input=move |ev| set_reason.set(event_target_value(&ev))
                prop:value=reason
            ></textarea>
            <button type="submit" class="btn" disabled=move || pending.get()>
                "Withdraw my approval"
            </button>
        </form>
    }
}
