//! `/reviews/{id}`: one review, with what a reviewer needs to decide it.

use crate::api::{artefact_links, get_execution, get_review, DecideReview, ReviewDetail};
use crate::components::{
    use_review_changes, use_shortcuts, use_ticking_now, ArtefactLinks, ArtefactList, DecideDialog,
    DecideRequest, DecisionPanel, DeliveryBadge, ErrorNotice, ExecutionBadge, Heard, History,
    MetricsTable, Shortcut, ShortcutHelp, StatusBadge,
};
use crate::domain::decision::Verdict;
use crate::domain::intake::OnReject;
use crate::domain::review::DeliveryState;
use crate::domain::time::{short_duration, until, utc_minutes};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

/// How often an open page re-checks a decision still on its way to Step
/// Functions, and the execution it resumes.
const RECHECK: Duration = Duration::from_millis(1500);

#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let decide = ServerAction::<DecideReview>::new();
    let review = Resource::new(
        move || (id(), decide.version().get()),
        |(id, _)| get_review(id),
    );
    // Fetched once per review, not with every refetch of the review: each
    // fetch presigns (and audits) new links.
    let artefacts: ArtefactLinks = Resource::new(id, artefact_links);

    // While a decision is queued for delivery, look again shortly. Effects
    // run only in the browser.
    Effect::new(move |_| {
        let queued = review
            .get()
            .and_then(Result::ok)
            .and_then(|r| r.delivery)
            .is_some_and(|d| d.state == DeliveryState::Queued);
        if queued {
            set_timeout(move || review.refetch(), RECHECK);
        }
    });

    // Decided, expired or closed elsewhere: show it now, with who and why,
    // rather than leave buttons that would only be refused.
    use_review_changes(move |heard| {
        let mine = match heard {
            Heard::Changed(changes) => {
                let id = id();
                changes.iter().any(|change| change.review_id == id)
            }
            Heard::Resync => true,
        };
        if mine {
            review.refetch();
        }
    });

    // a / r: the same confirmation as the queue's; ? lists the keys.
    let deciding = RwSignal::new(None::<DecideRequest>);
    let help = RwSignal::new(false);
    use_shortcuts(move |shortcut| {
        let verdict = match shortcut {
            Shortcut::Approve => Verdict::Approve,
            Shortcut::Reject => Verdict::Reject,
            Shortcut::Help => return help.set(true),
            _ => return,
        };
        let pending = review
            .get_untracked()
            .and_then(Result::ok)
            .is_some_and(|r| r.status.is_pending());
        if pending {
            deciding.set(Some(DecideRequest {
                verdict,
                ids: vec![id()],
            }));
        }
    });

    view! {
        <DecideDialog request=deciding on_decided=move |_| review.refetch() />
        <ShortcutHelp open=help />
        <nav class="crumbs"><a href="/">"← Queue"</a></nav>
        <Transition fallback=|| view! { <p class="loading">"Loading the review…"</p> }>
            {move || Suspend::new(async move {
                match review.await {
                    Ok(detail) => view! { <ReviewView detail decide artefacts /> }.into_any(),
                    Err(error) => view! { <Title text="Review" /><ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ReviewView(
    detail: ReviewDetail,
    decide: ServerAction<DecideReview>,
    artefacts: ArtefactLinks,
) -> impl IntoView {
    let now_ms = detail.now_ms;
    let stage = detail
        .model
        .stage
        .clone()
        .map(|s| format!(" → {s}"))
        .unwrap_or_default();
    let now = use_ticking_now(now_ms);
    let deadline_ms = detail.deadline_ms;
    let deadline = move || match deadline_ms {
        Some(d) => format!("{} ({})", utc_minutes(d), until(d, now.get())),
        None => "none set".into(),
    };
    view! {
        <Title text=detail.title.clone() />
        <header class="review-head">
            <h1>{detail.title.clone()}</h1>
            <StatusBadge status=detail.status />
            <CopyLink />
        </header>
        <dl class="facts">
            <dt>"Model"</dt>
            <dd>{detail.model.name.clone()} " " <span class="version">{format!("v{}", detail.model.version)}</span> {stage}</dd>
            <dt>"Requested by"</dt>
            <dd>{detail.requested_by.clone()}</dd>
            <dt>"Received"</dt>
            <dd>{utc_minutes(detail.received_at_ms)} " (" {short_duration(now_ms - detail.received_at_ms)} " ago)"</dd>
            <dt>"Deadline"</dt>
            <dd class="deadline">{deadline}</dd>
            <dt>"Approvals needed"</dt>
            <dd>{detail.required_approvals}</dd>
            {detail.reviewer_group.clone().map(|group| view! { <dt>"Reviewer group"</dt><dd>{group}</dd> })}
            <dt>"If rejected"</dt>
            <dd>{match detail.on_reject {
                OnReject::Fail => "the workflow fails with Signoff.Rejected",
                OnReject::Succeed => "the workflow continues with decision \"rejected\"",
            }}</dd>
        </dl>
        <div class="review-grid">
            <section class="panel metrics-panel" aria-labelledby="metrics-h">
                <h2 id="metrics-h">"Metrics against baseline"</h2>
                <MetricsTable metrics=detail.metrics.clone() />
            </section>
            <section class="panel decision-panel" aria-labelledby="decision-h">
                <h2 id="decision-h">"Decision"</h2>
                <DecisionArea detail=detail.clone() decide />
            </section>
            <section class="panel" aria-labelledby="artefacts-h">
                <h2 id="artefacts-h">"Artefacts"</h2>
                <ArtefactList links=artefacts now_ms />
            </section>
            <section class="panel" aria-labelledby="context-h">
                <h2 id="context-h">"Workflow"</h2>
                <p class="meta">"State " <code>{detail.state_name.clone()}</code> " of execution"</p>
                <p class="arn"><code>{detail.execution_arn.clone()}</code></p>
                <h3>"Context"</h3>
                <pre class="context">{detail.context_json.clone()}</pre>
            </section>
            <section class="panel history-panel" aria-labelledby="history-h">
                <h2 id="history-h">"History"</h2>
                <History entries=detail.history.clone() />
            </section>
        </div>
    }
}

/// The forms while pending; afterwards, what was decided and where it went.
#[component]
fn DecisionArea(detail: ReviewDetail, decide: ServerAction<DecideReview>) -> impl IntoView {
    let result = decide.value();
    let message = move || {
        result.get().map(|outcome| match outcome {
            Ok(receipt) => {
                view! { <p class="notice ok" role="status">{receipt.message}</p> }.into_any()
            }
            Err(error) => {
                view! { <p class="notice error" role="alert">{error.to_string()}</p> }.into_any()
            }
        })
    };
    let decided = detail
        .decisions
        .iter()
        .map(|d| {
            let verb = match d.verdict {
                Verdict::Approve => "Approved",
                Verdict::Reject => "Rejected",
            };
            view! {
                <li>
                    <strong>{verb}</strong> " by " {d.reviewer_label.clone()} " at " {utc_minutes(d.at_ms)}
                    {d.comment.clone().map(|c| view! { <blockquote>{c}</blockquote> })}
                </li>
            }
        })
        .collect_view();
    let body = if detail.status.is_pending() {
        view! {
            <DecisionPanel
                review_id=detail.id.clone()
                action=decide
                cannot_approve=detail.cannot_approve.clone()
                cannot_reject=detail.cannot_reject.clone()
            />
        }
        .into_any()
    } else {
        view! {
            {detail.status_reason.clone().map(|reason| view! { <p class="meta">{reason}</p> })}
            {detail.delivery.clone().map(|delivery| view! { <DeliveryBadge delivery /> })}
            <Execution review_id=detail.id.clone() decide />
        }
        .into_any()
    };
    view! {
        {message}
        <ul class="decisions">{decided}</ul>
        {body}
    }
}

/// The execution's live status, fetched from the browser (it is an AWS call
/// the page should not wait for) and re-checked while it is still running.
#[component]
fn Execution(review_id: String, decide: ServerAction<DecideReview>) -> impl IntoView {
    let (tick, set_tick) = signal(0_u32);
    let execution = LocalResource::new(move || {
        let (id, _, _) = (review_id.clone(), decide.version().get(), tick.get());
        get_execution(id)
    });
    Effect::new(move |_| {
        let running = execution
            .get()
            .and_then(Result::ok)
            .is_some_and(|e| e.status == "RUNNING");
        if running && tick.get_untracked() < 40 {
            set_timeout(move || set_tick.update(|t| *t += 1), RECHECK);
        }
    });
    view! {
        {move || match execution.get() {
            None => view! { <p class="execution hint">"Checking the workflow execution…"</p> }.into_any(),
            Some(Ok(execution)) => view! { <ExecutionBadge execution /> }.into_any(),
            Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
        }}
    }
}

/// Copies this page's address, the shareable deep link to the review.
#[component]
fn CopyLink() -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            if let Ok(href) = window.location().href() {
                let _ = window.navigator().clipboard().write_text(&href);
                set_copied.set(true);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        set_copied.set(false);
    };
    view! {
        <button type="button" class="link-button copy-link" on:click=copy>
            {move || if copied.get() { "Link copied" } else { "Copy link" }}
        </button>
    }
}
