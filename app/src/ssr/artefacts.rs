//! Artefact links for the review page. Each `s3://` artefact is looked up,
//! presigned for a short while and audited, one entry per link issued,
//! before the link leaves the server; small text, JSON, CSV and image
//! objects come with an inline preview. A missing bucket or object is said
//! plainly instead of a link that would only fail.

use super::ports::{AuditRecord, ObjectError, StoreError};
use super::queries::stored_spec;
use super::Services;
use crate::api::ArtefactView;
use crate::domain::actor::Actor;
use crate::domain::artefact::{text_preview, Format, Preview, S3Location, TEXT_PREVIEW_MAX_BYTES};
use crate::domain::intake::Artefact;
use chrono::{DateTime, SecondsFormat, Utc};

/// The audit action of a presigned link.
pub const LINK_ISSUED: &str = "artefact link issued";

impl Services {
    /// The review's artefacts with fresh links, or `None` when there is no
    /// such review.
    pub async fn artefact_links(
        &self,
        review_id: &str,
        viewer: &Actor,
    ) -> Result<Option<Vec<ArtefactView>>, StoreError> {
        let Some(review) = self.store.review(review_id).await? else {
            return Ok(None);
        };
        let spec = stored_spec(&review.id, &review.review_json)?;
        let prepared = futures::future::join_all(
            spec.artefacts
                .into_iter()
                .map(|artefact| self.artefact_view(review_id, viewer, artefact)),
        )
        .await;
        let (views, issued): (Vec<_>, Vec<_>) = prepared.into_iter().unzip();
        let issued: Vec<AuditRecord> = issued.into_iter().flatten().collect();
        // Recorded, in one transaction, before any link is handed out: no
        // audit, no link.
        if !issued.is_empty() {
            self.store.record_all(&issued).await?;
        }
        Ok(Some(views))
    }

    /// The artefact as the page shows it, and the audit entry of the link
    /// it carries, if it carries a presigned one.
    async fn artefact_view(
        &self,
        review_id: &str,
        viewer: &Actor,
        artefact: Artefact,
    ) -> (ArtefactView, Option<AuditRecord>) {
        let mut view = ArtefactView {
            label: artefact.label,
            uri: artefact.uri,
            href: None,
            expires_at_ms: None,
            download: false,
            size_bytes: None,
            preview: None,
            problem: None,
        };
        let Some(at) = S3Location::parse(&view.uri) else {
            // An https link (intake allows nothing else): passed on as sent.
            view.href = Some(view.uri.clone());
            return (view, None);
        };
        let info = match self.objects.describe(&at.bucket, &at.key).await {
            Ok(info) => info,
            Err(error) => {
                view.problem = Some(explain(&error, &at, &view.uri, review_id));
                return (view, None);
            }
        };
        let format = Format::of(&at.key, info.content_type.as_deref());
        view.download = format == Format::Other;
        view.size_bytes = Some(info.size_bytes);
        let valid_ms = self.settings.artefact_link_ms;
        let file_name = at.file_name();
        let href = match self
            .objects
            .presign(
                &at.bucket,
                &at.key,
                valid_ms,
                view.download.then_some(file_name.as_str()),
            )
            .await
        {
            Ok(href) => href,
            Err(error) => {
                view.problem = Some(explain(&error, &at, &view.uri, review_id));
                return (view, None);
            }
        };
        let now_ms = self.clock.now_ms();
        let expires_at_ms = now_ms.saturating_add(valid_ms);
        let issued = AuditRecord::by(
            viewer,
            now_ms,
            LINK_ISSUED,
            Some(review_id),
            Some(format!(
                "{} valid until {}",
                view.uri,
                rfc3339(expires_at_ms)
            )),
        );
        view.href = Some(href);
        view.expires_at_ms = Some(expires_at_ms);
        if format.previews(info.size_bytes) {
            view.preview = match format {
                Format::Image => Some(Preview::Image),
                _ => match self
                    .objects
                    .read(&at.bucket, &at.key, TEXT_PREVIEW_MAX_BYTES)
                    .await
                {
                    Ok(bytes) => text_preview(format, &bytes),
                    Err(error) => {
                        // The link still works or says why; no preview.
                        tracing::warn!(review_id, "reading {} for a preview: {error}", view.uri);
                        None
                    }
                },
            };
        }
        (view, Some(issued))
    }
}

/// What the reviewer reads instead of a link.
fn explain(error: &ObjectError, at: &S3Location, uri: &str, review_id: &str) -> String {
    match error {
        ObjectError::NoSuchBucket => format!(
            "The bucket \"{}\" does not exist, so {uri} cannot be opened: the workflow may name \
             the wrong bucket, or one in another account.",
            at.bucket
        ),
        ObjectError::NoSuchObject => format!(
            "Nothing is stored at {uri}: it may not have been uploaded yet, or it was deleted."
        ),
        ObjectError::AccessDenied => format!(
            "Signoff may not read {uri} (access denied): its role needs s3:GetObject on \"{}\".",
            at.bucket
        ),
        ObjectError::Unavailable(detail) => {
            tracing::warn!(review_id, "S3 failed for {uri}: {detail}");
            format!("S3 did not answer for {uri}; reload the page to try again.")
        }
    }
}

fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}
