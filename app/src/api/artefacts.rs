//! A review's artefacts: links (presigned and audited on the server),
//! fresh links once they expire, and previews fetched once the page shows.

use super::{AppError, JsonAnswer};
use leptos::server;
use serde::{Deserialize, Serialize};

/// An artefact as the review page offers it: a link to open or download,
/// a preview when it is small enough, or why there is neither.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtefactView {
    pub label: String,
    /// As the workflow sent it (`s3://…` or `https://…`).
    pub uri: String,
    /// A presigned S3 link (valid until `expires_at_ms`) or the https link.
    pub href: Option<String>,
    pub expires_at_ms: Option<i64>,
    /// Whether the link downloads (true) or opens in the browser.
    pub download: bool,
    pub size_bytes: Option<u64>,
    /// How it previews on the page, if it does.
    pub preview: Option<PreviewKind>,
    /// Why there is no link: a bucket Signoff does not open, a missing
    /// bucket or object, no access, S3 down.
    pub problem: Option<String>,
}

impl ArtefactView {
    /// The link alone, when there is one.
    pub fn link(&self) -> Option<ArtefactLink> {
        self.href.clone().map(|href| ArtefactLink {
            href,
            expires_at_ms: self.expires_at_ms,
            download: self.download,
        })
    }
}

/// An artefact's link without the rest: what the page's link island holds,
/// and what it asks for again once a presigned link has expired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtefactLink {
    pub href: String,
    pub expires_at_ms: Option<i64>,
    /// Whether the link downloads (true) or opens in the browser.
    pub download: bool,
}

/// How an artefact previews on the review page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreviewKind {
    /// An image, shown through its link.
    Image,
    /// Text, JSON or CSV: read and formatted on the server, fetched by the
    /// page once it is shown (`/api/artefact_preview`).
    Fetched,
}

/// What `/api/artefact_preview` answers: the preview as HTML (rendered,
/// and so escaped, on the server: the browser bundle needs no code to lay
/// out a table), or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewAnswer {
    pub html: Option<String>,
    pub problem: Option<String>,
}

/// The review's artefacts with presigned links (audited once per person,
/// object and link window) and how each previews. Viewers and up.
#[server(endpoint = "artefacts", output = JsonAnswer)]
pub async fn artefact_links(id: String) -> Result<Vec<ArtefactView>, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            let actor = require(Role::Viewer)?;
            services()?
                .artefact_links(&id, &actor)
                .await
                .map_err(AppError::internal)?
                .ok_or(AppError::NotFound)
        }
        .await,
    )
}

/// Fresh links for the review's artefacts, in the review's order (`None`
/// where an artefact has no link), each issue audited: what an open page
/// asks for once its links have expired. Viewers and up.
#[server(endpoint = "artefact_links", output = JsonAnswer)]
pub async fn fresh_artefact_links(id: String) -> Result<Vec<Option<ArtefactLink>>, AppError> {
    artefact_links(id)
        .await
        .map(|views| views.iter().map(ArtefactView::link).collect())
}

/// The preview of the review's artefact at `position` (text, JSON or CSV,
/// capped), or why there is none: what the review page asks for once it is
/// shown. Viewers and up.
#[server(endpoint = "artefact_preview", output = JsonAnswer)]
pub async fn artefact_preview(id: String, position: usize) -> Result<PreviewAnswer, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            let actor = require(Role::Viewer)?;
            let outcome = services()?
                .artefact_preview(&id, position, &actor)
                .await
                .map_err(AppError::internal)?
                .ok_or(AppError::NotFound)?;
            Ok(PreviewAnswer {
                html: outcome
                    .preview
                    .map(|preview| crate::components::preview_html(&outcome.label, preview)),
                problem: outcome.problem,
            })
        }
        .await,
    )
}
