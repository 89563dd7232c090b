//! `/reviews/{id}`: one review, with what a reviewer needs to decide it.
//!
//! The server renders the page from one fetch. What never changes after
//! intake (metrics, workflow context) stays plain HTML; what does (status,
//! the decision forms, history) is the [`ReviewLive`] island, which starts
//! from the same fetch and asks again when the review changes; the artefact
//! links are their own island, and so are text previews, fetched once the
//! page is shown.

use crate::api::{
    get_execution, get_review_summary, review_page, AppError, ArtefactView, DecideReview,
    ExecutionView, GroupDeciders, ReviewDetail, ReviewPageData, ReviewSummary, WithdrawApproval,
};
use crate::components::{
    go_to, use_review_changes, use_shortcuts, use_ticking_now, ArtefactList, DecideDialog,
    DecideRequest, DecisionPanel, DeliveryBadge, ErrorNotice, ExecutionBadge, Heard, History,
    MetricsTable, Shortcut, ShortcutHelp, StatusBadge, REVIEW_SHORTCUTS,
};
use crate::domain::decision::{approvals, waiting_line, Verdict};
use crate::domain::intake::OnReject;
use crate::domain::review::{DeliveryState, ReviewStatus};
use crate::domain::time::{decided_against, short_duration, until, utc_minutes};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

/// How often an open page re-checks a decision still on its way to Step
/// Functions, and the execution it resumes.
const RECHECK: Duration = Duration::from_millis(1500);

#[component]
pub fn ReviewPage() -> impl IntoView {
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    // Server-side only: outside an island nothing is sent for hydration.
    // The route renders the page once it is in (`SsrMode::Async`). One read
    // of the review gives the review and its artefact links (presigned, and
    // audited where the viewer's link window does not cover them yet); text
    // previews are fetched by the shown page, not here.
    let page = Resource::new(|| (), move |_| review_page(id.clone()));
    view! {
        <nav class="crumbs"><a href="/">"← Queue"</a></nav>
        <Suspense fallback=|| view! { <p class="loading">"Loading the review…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(ReviewPageData { detail, artefacts }) => view! {
                        <Title text=detail.summary.title.clone() />
                        <ReviewLive summary=detail.summary.clone()>
                            <ReviewSections detail artefacts />
                        </ReviewLive>
                    }
                    .into_any(),
                    Err(error) => view! { <Title text="Review" /><ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What is fixed at intake: metrics, artefacts and the workflow's context.
#[component]
fn ReviewSections(
    detail: ReviewDetail,
    artefacts: Result<Vec<ArtefactView>, AppError>,
) -> impl IntoView {
    let (review_id, now_ms) = (detail.summary.id.clone(), detail.summary.now_ms);
    view! {
        <section class="panel metrics-panel" aria-labelledby="metrics-h">
            <h2 id="metrics-h">"Metrics against baseline"</h2>
            <MetricsTable metrics=detail.metrics />
        </section>
        <section class="panel" aria-labelledby="artefacts-h">
            <h2 id="artefacts-h">"Artefacts"</h2>
            {match artefacts {
                Ok(artefacts) => view! { <ArtefactList review_id artefacts now_ms /> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }}
        </section>
        <section class="panel" aria-labelledby="context-h">
            <h2 id="context-h">"Workflow"</h2>
            <p class="meta">"State " <code>{detail.state_name}</code> " of execution"</p>
            <p class="arn">
                {match detail.execution_url {
                    Some(url) => view! {
                        <a href=url target="_blank" rel="noopener noreferrer"
                            title="Open the execution in the Step Functions console">
                            <code>{detail.execution_arn}</code>
                        </a>
                    }.into_any(),
                    None => view! { <code>{detail.execution_arn}</code> }.into_any(),
                }}
            </p>
            <h3>"Context"</h3>
            <pre class="context">{detail.context_json}</pre>
        </section>
    }
}

/// What can change while the page is open: the status, the decision forms
/// (or what was decided and where it went) and the history. It starts from
/// the server's `summary` and fetches it again after a decision,
/// while one is on its way, and when the stream says it changed, so no
/// button is left that would only be refused. `children` are the fixed
/// sections, rendered on the server.
#[island]
fn ReviewLive(summary: ReviewSummary, children: Children) -> impl IntoView {
    let id = summary.id.clone();
    let decide = ServerAction::<DecideReview>::new();
    let withdraw = ServerAction::<WithdrawApproval>::new();
    // What the last decision or withdrawal made here came to.
    let notice = RwSignal::new(None::<Result<Notice, AppError>>);
    Effect::new(move |_| {
        if let Some(outcome) = decide.value().get() {
            notice.set(Some(outcome.map(|receipt| Notice {
                rejected: receipt.status == ReviewStatus::Rejected,
                message: receipt.message,
            })));
        }
    });
    Effect::new(move |_| {
        if let Some(outcome) = withdraw.value().get() {
            notice.set(Some(outcome.map(|message| Notice {
                message,
                rejected: false,
            })));
        }
    });
    let review = RwSignal::new(summary);
    let problem = RwSignal::new(None::<AppError>);
    let refresh = {
        let id = id.clone();
        move || {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match get_review_summary(id).await {
                    Ok(fresh) => {
                        problem.set(None);
                        review.set(fresh);
                    }
                    Err(error) => problem.set(Some(error)),
                }
            });
        }
    };

    // After each decision made here. Effects run only in the browser.
    Effect::new({
        let refresh = refresh.clone();
        move |seen: Option<usize>| {
            let version = decide.version().get() + withdraw.version().get();
            if seen.is_some_and(|seen| seen != version) {
                refresh();
            }
            version
        }
    });
    // While a decision is queued for delivery, look again shortly.
    Effect::new({
        let refresh = refresh.clone();
        move |_| {
            let queued = review
                .read()
                .delivery
                .as_ref()
                .is_some_and(|d| d.state == DeliveryState::Queued);
            if queued {
                let refresh = refresh.clone();
                set_timeout(refresh, RECHECK);
            }
        }
    });
    // Decided, expired or closed elsewhere: show it now, with who and why.
    use_review_changes({
        let (id, refresh) = (id.clone(), refresh.clone());
        move |heard| {
            let mine = match heard {
                Heard::Changed(changes) => changes.iter().any(|change| change.review_id == id),
                Heard::Resync => true,
            };
            if mine {
                refresh();
            }
        }
    });

    // What is typed into the forms outlives a re-render, so a decision
    // that arrives from elsewhere mid-sentence does not take it away.
    let typed = Typed {
        comment: RwSignal::new(String::new()),
        reason: RwSignal::new(String::new()),
    };

    // a / r: the same confirmation as the queue's; j / k: the next and the
    // previous review in the queue; ? lists the keys.
    let deciding = RwSignal::new(None::<DecideRequest>);
    let help = RwSignal::new(false);
    use_shortcuts({
        let id = id.clone();
        move |shortcut| {
            let verdict = match shortcut {
                Shortcut::Approve => Verdict::Approve,
                Shortcut::Reject => Verdict::Reject,
                Shortcut::Help => return help.set(true),
                Shortcut::Next | Shortcut::Previous => {
                    let summary = review.read_untracked();
                    let neighbour = match shortcut {
                        Shortcut::Next => &summary.next_review,
                        _ => &summary.previous_review,
                    };
                    if let Some(neighbour) = neighbour {
                        go_to(&format!("/reviews/{}", neighbour.id));
                    }
                    return;
                }
                _ => return,
            };
            if review.read_untracked().status.is_pending() {
                deciding.set(Some(DecideRequest {
                    verdict,
                    ids: vec![id.clone()],
                }));
            }
        }
    });

    let fixed = review.get_untracked();
    let now = use_ticking_now(fixed.now_ms);
    let received_ms = fixed.received_at_ms;
    let deadline = move || deadline_line(&review.read(), now.get());
    let stage = fixed
        .model
        .stage
        .clone()
        .map(|s| format!(" → {s}"))
        .unwrap_or_default();
    view! {
        <DecideDialog request=deciding on_decided=move |_| refresh() />
        <ShortcutHelp open=help keys=REVIEW_SHORTCUTS />
        <header class="review-head">
            <h1>{fixed.title.clone()}</h1>
            {move || view! { <StatusBadge status=review.read().status /> }}
            <CopyLink />
        </header>
        <dl class="facts">
            <dt>"Model"</dt>
            <dd>{fixed.model.name.clone()} " " <span class="version">{format!("v{}", fixed.model.version)}</span> {stage}</dd>
            <dt>"Requested by"</dt>
            <dd>{fixed.requested_by.clone().unwrap_or_else(|| "not named".into())}</dd>
            <dt>"Received"</dt>
            <dd>{utc_minutes(received_ms)} " (" {move || short_duration(now.get() - received_ms)} " ago)"</dd>
            <dt>"Deadline"</dt>
            <dd class="deadline">{deadline}</dd>
            {(fixed.required_approvals > 1).then(|| view! {
                <dt>"Approvals"</dt>
                <dd data-testid="approvals">{move || approvals_fact(&review.read())}</dd>
            })}
            <dt>"Who can decide"</dt>
            <dd data-testid="deciders">{who_decides(&fixed.deciders)}</dd>
            <dt>"Policy"</dt>
            <dd class="policy">{policy_details(&fixed.policy)}</dd>
            <dt>"If rejected"</dt>
            <dd>{match fixed.on_reject {
                OnReject::Fail => "the workflow fails with Signoff.Rejected",
                OnReject::Succeed => "Step Functions hears decision \"rejected\" as a success; the workflow's next state decides what follows",
            }}</dd>
        </dl>
        {move || problem.get().map(|error| view! { <ErrorNotice error /> })}
        // Evidence first, in the page's order too, so keyboard and screen
        // reader users meet the metrics before Approve; on a wide screen the
        // decision sits beside them, on a phone a bar jumps to it.
        <div class="review-grid">
            <div class="evidence">{children()}</div>
            <section class="panel decision-panel" id="decision" aria-labelledby="decision-h">
                <h2 id="decision-h">"Decision"</h2>
                {move || view! { <DecisionArea detail=review.get() decide withdraw notice typed /> }}
            </section>
            <Show when=move || review.read().status.is_pending()>
                <a class="jump-to-decision" href="#decision">"Decide ↓"</a>
            </Show>
            <section class="panel history-panel" aria-labelledby="history-h">
                <h2 id="history-h">"History"</h2>
                {move || view! { <History entries=review.read().history.clone() /> }}
            </section>
        </div>
    }
}

/// The policy's headline (what it takes, and where that came from), with
/// the rest of its lines behind it: a phone's first screen stays the
/// review's.
fn policy_details(lines: &[String]) -> impl IntoView {
    let (headline, rest) = lines
        .split_first()
        .map_or(("", &[][..]), |(h, r)| (h.as_str(), r));
    let rest = rest
        .iter()
        .map(|line| view! { <li>{line.clone()}</li> })
        .collect_view();
    view! {
        <details>
            <summary>{headline.to_owned()}</summary>
            <ul class="plain">{rest}</ul>
        </details>
    }
}

/// What a decision or withdrawal made on this page came to.
#[derive(Debug, Clone, PartialEq)]
struct Notice {
    message: String,
    /// A rejection is not shown as a success.
    rejected: bool,
}

/// What is being typed into the decision forms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Typed {
    pub comment: RwSignal<String>,
    pub reason: RwSignal<String>,
}

/// The deadline, counting down while the review waits; once decided, how
/// early or late that was, and no countdown.
fn deadline_line(summary: &ReviewSummary, now_ms: i64) -> String {
    let Some(deadline) = summary.deadline_ms else {
        return "none set".into();
    };
    let decided_at = summary.decisions.iter().map(|d| d.at_ms).max();
    match (summary.status, decided_at) {
        (ReviewStatus::Pending, _) => {
            format!("{} ({})", utc_minutes(deadline), until(deadline, now_ms))
        }
        (ReviewStatus::Approved | ReviewStatus::Rejected, Some(at)) => {
            format!(
                "{} ({})",
                utc_minutes(deadline),
                decided_against(deadline, at)
            )
        }
        _ => utc_minutes(deadline),
    }
}

/// "ml-reviewers (ada@example.com, bob@example.com) and leads": the groups
/// with the people who signed in with them and could approve.
fn who_decides(groups: &[GroupDeciders]) -> String {
    if groups.is_empty() {
        return "any reviewer or lead".into();
    }
    let each: Vec<String> = groups
        .iter()
        .map(|g| {
            let people = match (g.people.as_slice(), g.more) {
                ([], _) => "nobody who could approve has signed in with it yet".to_owned(),
                (names, 0) => names.join(", "),
                (names, more) => format!("{} and {more} more", names.join(", ")),
            };
            format!("{} ({people})", g.group)
        })
        .collect();
    format!("{}, and leads", each.join("; "))
}

/// "1 of 2 received: ada@example.com", for a review that needs several.
fn approvals_fact(summary: &ReviewSummary) -> String {
    let given = approvals(&summary.decisions);
    let names: Vec<&str> = given.iter().map(|d| d.reviewer_label.as_str()).collect();
    match names.as_slice() {
        [] => format!("none of {} yet", summary.required_approvals),
        names => format!(
            "{} of {} received: {}",
            names.len(),
            summary.required_approvals,
            names.join(", ")
        ),
    }
}

/// The forms while pending; afterwards, what was decided and where it went.
#[component]
fn DecisionArea(
    detail: ReviewSummary,
    decide: ServerAction<DecideReview>,
    withdraw: ServerAction<WithdrawApproval>,
    notice: RwSignal<Option<Result<Notice, AppError>>>,
    typed: Typed,
) -> impl IntoView {
    let message = move || {
        notice.get().map(|outcome| match outcome {
            Ok(Notice { message, rejected }) => {
                let class = if rejected {
                    "notice rejected"
                } else {
                    "notice ok"
                };
                view! { <p class=class role="status">{message}</p> }.into_any()
            }
            Err(error) => {
                view! { <p class="notice error" role="alert">{error.to_string()}</p> }.into_any()
            }
        })
    };
    let waiting = detail.viewer_approved.then(|| {
        let have = u32::try_from(approvals(&detail.decisions).len()).unwrap_or(u32::MAX);
        waiting_line(have, detail.required_approvals, &detail.reviewer_groups)
    });
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
                withdraw
                cannot_approve=detail.cannot_approve.clone()
                cannot_reject=detail.cannot_reject.clone()
                waiting
                comment=typed.comment
                reason=typed.reason
            />
        }
        .into_any()
    } else {
        // Decided elsewhere while something was being typed here: keep it.
        let decided_here = matches!(notice.get_untracked(), Some(Ok(_)));
        let kept = [typed.reason.get_untracked(), typed.comment.get_untracked()]
            .into_iter()
            .find(|text| !text.trim().is_empty())
            .filter(|_| !decided_here);
        let next = detail.next_review.clone();
        view! {
            {kept.map(|text| view! {
                <div class="notice warn" role="alert" data-testid="kept-text">
                    <p>"This review was decided by someone else while you were writing. What you wrote was not sent; here it is:"</p>
                    <blockquote>{text}</blockquote>
                </div>
            })}
            {detail.status_reason.clone().map(|reason| view! { <p class="meta">{reason}</p> })}
            {detail.delivery.clone().map(|delivery| view! { <DeliveryBadge delivery /> })}
            <Execution review_id=detail.id.clone() decide />
            <p class="next-review">
                {match next {
                    Some(next) => view! {
                        <a class="btn" href=format!("/reviews/{}", next.id) aria-keyshortcuts="j">
                            "Next review: " {next.title}
                        </a>
                    }.into_any(),
                    None => view! { <a href="/">"Nothing else is waiting: back to the queue"</a> }.into_any(),
                }}
            </p>
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
/// Fetched from an effect, which runs only in the browser: a resource read
/// here would hold the server's render of a decided review's page forever
/// (`SsrMode::Async` waits for every resource under the page's suspense).
#[component]
fn Execution(review_id: String, decide: ServerAction<DecideReview>) -> impl IntoView {
    let (tick, set_tick) = signal(0_u32);
    let execution = RwSignal::new(None::<Result<ExecutionView, AppError>>);
    Effect::new(move |_| {
        let (id, _, _) = (review_id.clone(), decide.version().get(), tick.get());
        leptos::task::spawn_local(async move {
            let result = get_execution(id).await;
            let running = matches!(&result, Ok(e) if e.status == "RUNNING");
            execution.set(Some(result));
            if running && tick.get_untracked() < 40 {
                set_timeout(move || set_tick.update(|t| *t += 1), RECHECK);
            }
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, people: &[&str], more: usize) -> GroupDeciders {
        GroupDeciders {
            group: name.into(),
            people: people.iter().map(|p| p.to_string()).collect(),
            more,
        }
    }

    #[test]
    fn who_can_decide_names_groups_people_and_leads() {
        assert_eq!(who_decides(&[]), "any reviewer or lead");
        assert_eq!(
            who_decides(&[group(
                "ml-reviewers",
                &["ada@example.com", "bob@example.com"],
                0
            )]),
            "ml-reviewers (ada@example.com, bob@example.com), and leads"
        );
        assert_eq!(
            who_decides(&[
                group("ml-reviewers", &["ada@example.com"], 4),
                group("fraud-reviewers", &[], 0)
            ]),
            "ml-reviewers (ada@example.com and 4 more); fraud-reviewers (nobody who could \
             approve has signed in with it yet), and leads"
        );
    }
}
