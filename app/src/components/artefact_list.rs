//! The review page's artefacts: a link to open or download each one (a
//! presigned S3 link that says how long it stays valid, and offers fresh
//! links once it has expired), a preview of small ones, or why there is
//! no link.
//!
//! The list is server-rendered HTML with two islands per artefact: its link
//! ([`ArtefactLinkRow`]), which counts down and can be renewed, and, for
//! text, JSON and CSV, its preview ([`ArtefactPreviewPane`]), which the page
//! fetches once it is shown: reading and formatting objects never holds up
//! the page.

use crate::api::{
    artefact_preview, fresh_artefact_links, AppError, ArtefactLink, ArtefactView, PreviewAnswer,
    PreviewKind,
};
use crate::components::{use_ticking_now, ErrorNotice};
use crate::domain::artefact::human_size;
#[cfg(feature = "ssr")]
use crate::domain::artefact::Preview;
use crate::domain::time::short_duration;
use leptos::prelude::*;

/// The review's artefacts, as the server linked them for this page.
#[component]
pub fn ArtefactList(review_id: String, artefacts: Vec<ArtefactView>, now_ms: i64) -> impl IntoView {
    if artefacts.is_empty() {
        return view! { <p class="empty">"No artefacts were attached."</p> }.into_any();
    }
    view! {
        <ul class="artefacts">
            {artefacts
                .into_iter()
                .enumerate()
                .map(|(position, artefact)| {
                    view! { <ArtefactItem review_id=review_id.clone() position artefact now_ms /> }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn ArtefactItem(
    review_id: String,
    position: usize,
    artefact: ArtefactView,
    now_ms: i64,
) -> impl IntoView {
    let link = artefact.link();
    let ArtefactView {
        label,
        uri,
        href,
        size_bytes,
        preview,
        problem,
        ..
    } = artefact;
    let preview = preview.map(|kind| match kind {
        PreviewKind::Image => view! {
            <img class="artefact-image" src=href.unwrap_or_default() alt=format!("{label} (preview)") loading="lazy" />
        }
        .into_any(),
        PreviewKind::Fetched => view! {
            <ArtefactPreviewPane review_id=review_id.clone() position />
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
            {link.map(|link| view! { <ArtefactLinkRow review_id position link now_ms /> })}
            {preview}
        </li>
    }
}

/// A text, JSON or CSV artefact's preview, asked for once the page is shown
/// (the server sends the placeholder).
#[island]
fn ArtefactPreviewPane(review_id: String, position: usize) -> impl IntoView {
    let answer = RwSignal::new(None::<Result<PreviewAnswer, AppError>>);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| {
        let id = review_id.clone();
        leptos::task::spawn_local(async move {
            answer.set(Some(artefact_preview(id, position).await));
        });
    });
    move || {
        match answer.get() {
        None => view! { <p class="loading artefact-preview-loading">"Loading the preview…"</p> }
            .into_any(),
        Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
        Some(Ok(PreviewAnswer {
            html: Some(html), ..
        })) => view! { <div class="artefact-preview-pane" inner_html=html></div> }.into_any(),
        Some(Ok(PreviewAnswer { problem, .. })) => view! {
            <p class="hint">{problem.unwrap_or_else(|| "No preview: open the file instead.".into())}</p>
        }
        .into_any(),
    }
    }
}

/// A preview as HTML, rendered on the server (text escaped as on any
/// server-rendered page), for `/api/artefact_preview`. It is set as the
/// island's inner HTML and never hydrated, so the renderer's hydration
/// markers (`<!>`, which escaped text cannot contain) are left out.
#[cfg(feature = "ssr")]
pub fn preview_html(label: &str, preview: Preview) -> String {
    preview_view(label, preview).to_html().replace("<!>", "")
}

#[cfg(feature = "ssr")]
fn preview_view(label: &str, preview: Preview) -> AnyView {
    let note = preview
        .cut_note()
        .map(|note| view! { <p class="meta">{note}</p> });
    let region = format!("{label} (preview)");
    match preview {
        Preview::Text { text, .. } | Preview::Json { text, .. } => view! {
            <pre class="artefact-preview" tabindex="0" role="region" aria-label=region>{text}</pre>
            {note}
        }
        .into_any(),
        Preview::Table { header, rows, .. } => view! {
            <div class="table-scroll artefact-preview" tabindex="0" role="region" aria-label=region>
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
            {note}
        }
        .into_any(),
    }
}

/// One artefact's link, counting down to its expiry; once expired, a button
/// asks the server for fresh links (audited like the first) and keeps the
/// one at `position`.
#[island]
fn ArtefactLinkRow(
    review_id: String,
    position: usize,
    link: ArtefactLink,
    now_ms: i64,
) -> impl IntoView {
    let now = use_ticking_now(now_ms);
    let link = RwSignal::new(link);
    let problem = RwSignal::new(None::<AppError>);
    let refresh = move |_| {
        let id = review_id.clone();
        leptos::task::spawn_local(async move {
            match fresh_artefact_links(id).await {
                Ok(fresh) => match fresh.into_iter().nth(position).flatten() {
                    Some(fresh) => {
                        problem.set(None);
                        link.set(fresh);
                    }
                    None => problem.set(Some(AppError::NotFound)),
                },
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    let expired = move || link.with(|l| l.expires_at_ms.is_some_and(|at| now.get() >= at));
    let open = move || {
        let ArtefactLink { href, download, .. } = link.get();
        if download {
            view! { <a href=href class="btn small" rel="noreferrer">"Download"</a> }.into_any()
        } else {
            view! { <a href=href class="btn small" target="_blank" rel="noopener noreferrer">"Open"</a> }
                .into_any()
        }
    };
    let validity = move || {
        link.with(|l| l.expires_at_ms)
            .map(|at| format!("link valid for {}", short_duration(at - now.get())))
    };
    view! {
        {move || problem.get().map(|error| view! { <ErrorNotice error /> })}
        <Show
            when=move || !expired()
            fallback=move || view! {
                <p class="hint">
                    "This link has expired. "
                    <button type="button" class="link-button" on:click=refresh.clone()>
                        "Get fresh links"
                    </button>
                </p>
            }
        >
            <p class="artefact-link">{open} " " <span class="meta">{validity}</span></p>
        </Show>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn previews_are_escaped_html() {
        let html = preview_html(
            "Notes",
            Preview::Text {
                text: "<script>alert(1)</script> & more".into(),
                cut: true,
            },
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("The preview stops after 64 KB"), "{html}");
        let table = preview_html(
            "Segments",
            Preview::Table {
                header: vec!["<b>".into()],
                rows: vec![vec!["\"q\"".into()]],
                more_rows: 3,
                more_columns: 0,
                cut_cells: false,
            },
        );
        assert!(
            table.contains("<th scope=\"col\">&lt;b&gt;</th>"),
            "{table}"
        );
        assert!(table.contains("Not shown: 3 more rows."), "{table}");
    }
}
