//! Approve, or reject with a reason. Plain forms posting to the `decide`
//! server function, so they work before hydration too; the server re-checks
//! everything the form checks.

use crate::api::DecideReview;
use leptos::prelude::*;

/// `cannot_approve` / `cannot_reject` say why the person viewing may not
/// (the server refuses such a decision anyway; this only explains it).
#[component]
pub fn DecisionPanel(
    review_id: String,
    action: ServerAction<DecideReview>,
    cannot_approve: Option<String>,
    cannot_reject: Option<String>,
) -> impl IntoView {
    let (reason, set_reason) = signal(String::new());
    let reason_missing = move || reason.read().trim().is_empty();
    let pending = action.pending();
    let approve_id = review_id.clone();
    view! {
        <div class="decide">
            <ActionForm action=action>
                <input type="hidden" name="id" value=approve_id />
                <input type="hidden" name="verdict" value="approve" />
                <label for="approve-comment">"Comment (optional)"</label>
                <textarea id="approve-comment" name="comment" rows="2"></textarea>
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
            </ActionForm>
            <ActionForm action=action>
                <input type="hidden" name="id" value=review_id />
                <input type="hidden" name="verdict" value="reject" />
                <label for="reject-reason">"Reason for rejecting (required)"</label>
                <textarea
                    id="reject-reason"
                    name="comment"
                    rows="2"
                    required
                    aria-describedby="reject-hint"
                    on:input=move |ev| set_reason.set(event_target_value(&ev))
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
            </ActionForm>
        </div>
    }
}
