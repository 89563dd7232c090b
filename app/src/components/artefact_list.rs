//! The review page's artefacts: a link to open or download each one (a
//! presigned S3 link that says how long it stays valid, and offers fresh
//! links once it has expired), a preview of small ones, or why there is
//! no link.

use crate::api::{AppError, ArtefactView};
use crate::components::{use_ticking_now, ErrorNotice};
use crate::domain::artefact::{human_size, Preview};
use crate::domain::time::short_duration;
use leptos::prelude::*;

/// The review's artefact links, loaded once per page (each load issues,
/// and audits, new links).
pub type ArtefactLinks = Resource<Result<Vec<ArtefactView>, AppError>>;

#[component]
pub fn ArtefactList(links: ArtefactLinks, now_ms: i64) -> impl IntoView {
    let now = use_ticking_now(now_ms);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Preparing artefact links…"</p> }>
            {move || Suspend::new(async move {
                match links.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p class="empty">"No artefacts were attached."</p> }.into_any()
                    }
                    Ok(list) => view! {
                        <ul class="artefacts">
                            {list
                                .into_iter()
                                .map(|artefact| view! { <ArtefactItem artefact now links /> })
                                .collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ArtefactItem(
    artefact: ArtefactView,
    now: ReadSignal<i64>,
    links: ArtefactLinks,
) -> impl IntoView {
    let ArtefactView {
        label,
        uri,
        href,
        expires_at_ms,
        download,
        size_bytes,
        preview,
        problem,
    } = artefact;
    let expired = move || expires_at_ms.is_some_and(|at| now.get() >= at);
    let link = href.clone().map(|href| {
        let open = move || {
            let href = href.clone();
            if download {
                view! { <a href=href class="btn small" rel="noreferrer">"Download"</a> }.into_any()
            } else {
                view! { <a href=href class="btn small" target="_blank" rel="noopener noreferrer">"Open"</a> }
                    .into_any()
            }
        };
        let validity = move || {
            expires_at_ms.map(|at| format!("link valid for {}", short_duration(at - now.get())))
        };
        view! {
            <Show
                when=move || !expired()
                fallback=move || view! {
                    <p class="hint">
                        "This link has expired. "
                        <button type="button" class="link-button" on:click=move |_| links.refetch()>
                            "Get fresh links"
                        </button>
                    </p>
                }
            >
                <p class="artefact-link">{open()} " " <span class="meta">{validity}</span></p>
            </Show>
        }
    });
    let preview = preview.map(|preview| match preview {
        Preview::Text(text) | Preview::Json(text) => {
            view! { <pre class="artefact-preview" tabindex="0" role="region" aria-label=format!("{label} (preview)")>{text}</pre> }.into_any()
        }
        Preview::Table { header, rows, more_rows } => view! {
            <div class="table-scroll artefact-preview" tabindex="0" role="region" aria-label=format!("{label} (preview)")>
                <table>
                    <thead><tr>{header.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|row| view! { <tr>{row.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}</tr> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            {(more_rows > 0).then(|| view! { <p class="meta">{format!("and {more_rows} more rows")}</p> })}
        }
        .into_any(),
        Preview::Image => view! {
            <img class="artefact-image" src=href.clone().unwrap_or_default() alt=format!("{label} (preview)") loading="lazy" />
        }
        .into_any(),
    });
    view! {
        <li class="artefact">
            <div class="artefact-head">
                <span class="label">{label.clone()}</span>
                {size_bytes.map(|n| view! { <span class="meta">{human_size(n)}</span> })}
            </div>
            <code class="uri">{uri}</code>
            {problem.map(|problem| view! { <p class="notice error">{problem}</p> })}
            {link}
            {preview}
        </li>
    }
}
