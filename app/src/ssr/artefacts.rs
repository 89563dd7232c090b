//! Artefact links for the review page. Each `s3://` artefact in a bucket
//! Signoff opens is looked up (a few at a time; the object store adapter
//! remembers answers for a few minutes), presigned and audited before the
//! link leaves the server: one entry per person, object and link window,
//! however often the page is reloaded (see [`super::link_ledger`]). A
//! missing bucket or object, or one outside `--artefact-buckets`, is said
//! plainly instead of a link that would only fail. Previews of text, JSON
//! and CSV objects are read later, when the shown page asks
//! ([`Services::artefact_preview`]).

use super::link_ledger::LinkKey;
use super::ports::{AuditRecord, ObjectError, ObjectInfo, StoreError};
use super::Services;
use crate::api::{ArtefactView, PreviewKind};
use crate::domain::actor::Actor;
use crate::domain::artefact::{text_preview, Format, Preview, S3Location, TEXT_PREVIEW_MAX_BYTES};
use crate::domain::audit_action::Action;
use crate::domain::intake::Artefact;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;

/// Artefacts looked up in S3 at once for one page: a review may list
/// hundreds, and S3 (and its emulator) would rather not take them all at once.
pub const LOOKUPS_AT_ONCE: usize = 8;

/// An artefact's preview, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewOutcome {
    pub label: String,
    pub preview: Option<Preview>,
    pub problem: Option<String>,
}

/// An artefact after its look-up: what the page shows, and the object to
/// link when there is one.
struct LookedUp {
    view: ArtefactView,
    object: Option<(S3Location, Format)>,
}

impl Services {
    /// The review's artefacts with links, or `None` when there is no such
    /// review.
    pub async fn artefact_links(
        &self,
        review_id: &str,
        viewer: &Actor,
    ) -> Result<Option<Vec<ArtefactView>>, StoreError> {
        let Some(review) = self.store.review(review_id).await? else {
            return Ok(None);
        };
        self.links_for(review_id, review.spec.artefacts, viewer)
            .await
            .map(Some)
    }

    /// `artefacts` of the review `review_id`, looked up, with links for
    /// `viewer` (audited under their link window).
    pub(super) async fn links_for(
        &self,
        review_id: &str,
        artefacts: Vec<Artefact>,
        viewer: &Actor,
    ) -> Result<Vec<ArtefactView>, StoreError> {
        let mut looked: Vec<LookedUp> = futures::stream::iter(artefacts)
            .map(|artefact| self.look_up(review_id, artefact))
            .buffered(LOOKUPS_AT_ONCE)
            .collect()
            .await;
        let objects: Vec<&str> = looked
            .iter()
            .filter(|l| l.object.is_some())
            .map(|l| l.view.uri.as_str())
            .collect();
        if objects.is_empty() {
            return Ok(looked.into_iter().map(|l| l.view).collect());
        }
        let now_ms = self.clock.now_ms();
        // Audited before any link is handed out: no entry, no link.
        let expires_at_ms = self.cover(viewer, review_id, &objects, now_ms).await?;
        for item in &mut looked {
            if let Some((at, _)) = &item.object {
                self.presign(
                    viewer,
                    review_id,
                    at,
                    &mut item.view,
                    (now_ms, expires_at_ms),
                )
                .await;
                item.view.expires_at_ms = item.view.href.as_ref().map(|_| expires_at_ms);
            }
        }
        Ok(looked.into_iter().map(|l| l.view).collect())
    }

    /// The preview of the review's artefact at `position`, or `None` when
    /// there is no such review or artefact. Like a link, it is given only
    /// under an audited window of the viewer's.
    pub async fn artefact_preview(
        &self,
        review_id: &str,
        position: usize,
        viewer: &Actor,
    ) -> Result<Option<PreviewOutcome>, StoreError> {
        let Some(review) = self.store.review(review_id).await? else {
            return Ok(None);
        };
        let Some(artefact) = review.spec.artefacts.into_iter().nth(position) else {
            return Ok(None);
        };
        let LookedUp { view, object } = self.look_up(review_id, artefact).await;
        let outcome = |preview: Option<Preview>, problem: Option<String>| PreviewOutcome {
            label: view.label.clone(),
            preview,
            problem,
        };
        let Some((at, format)) = object.filter(|_| view.preview == Some(PreviewKind::Fetched))
        else {
            return Ok(Some(outcome(None, view.problem.clone())));
        };
        self.cover(viewer, review_id, &[view.uri.as_str()], self.clock.now_ms())
            .await?;
        let read = self
            .objects
            .read(&at.bucket, &at.key, TEXT_PREVIEW_MAX_BYTES)
            .await;
        Ok(Some(match read {
            Ok(bytes) => match text_preview(format, &bytes) {
                Some(preview) => outcome(Some(preview), None),
                None => outcome(
                    None,
                    Some("This file is not text after all: open it instead.".into()),
                ),
            },
            Err(error) => outcome(None, Some(explain(&error, &at, &view.uri, review_id))),
        }))
    }

    /// Puts `objects` under the viewer's current link window, auditing
    /// those it does not cover yet; returns when the window ends.
    async fn cover(
        &self,
        viewer: &Actor,
        review_id: &str,
        objects: &[&str],
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        self.links
            .issue(&viewer.subject, review_id, objects, now_ms, |due, ends| {
                let entries: Vec<AuditRecord> = due
                    .iter()
                    .map(|uri| {
                        AuditRecord::by(
                            viewer,
                            now_ms,
                            Action::ArtefactLinkIssued,
                            Some(review_id),
                            Some(format!("{uri} valid until {}", rfc3339(ends))),
                        )
                    })
                    .collect();
                async move { self.store.record_all(&entries).await }
            })
            .await
    }

    /// What S3 says of one artefact (nothing, for an https link or a bucket
    /// Signoff does not open: those are never asked about).
    async fn look_up(&self, review_id: &str, artefact: Artefact) -> LookedUp {
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
            return LookedUp { view, object: None };
        };
        if let Some(refusal) = self
            .settings
            .artefact_buckets
            .as_ref()
            .and_then(|buckets| buckets.refusal(&at))
        {
            view.problem = Some(format!("{refusal}."));
            return LookedUp { view, object: None };
        }
        match self.objects.describe(&at.bucket, &at.key).await {
            Ok(ObjectInfo {
                size_bytes,
                content_type,
            }) => {
                let format = Format::of(&at.key, content_type.as_deref());
                view.download = format == Format::Other;
                view.size_bytes = Some(size_bytes);
                view.preview = format.previews(size_bytes).then_some(match format {
                    Format::Image => PreviewKind::Image,
                    _ => PreviewKind::Fetched,
                });
                LookedUp {
                    view,
                    object: Some((at, format)),
                }
            }
            Err(error) => {
                view.problem = Some(explain(&error, &at, &view.uri, review_id));
                LookedUp { view, object: None }
            }
        }
    }

    /// Signs the object's link (locally: no call to S3) into `view`, or
    /// hands out the one signed for it earlier in the viewer's window.
    async fn presign(
        &self,
        viewer: &Actor,
        review_id: &str,
        at: &S3Location,
        view: &mut ArtefactView,
        (now_ms, expires_at_ms): (i64, i64),
    ) {
        let download_as = view.download.then(|| at.file_name());
        let link = LinkKey {
            person: viewer.subject.clone(),
            bucket: at.bucket.clone(),
            key: at.key.clone(),
            download_as: download_as.clone(),
            ends_at_ms: expires_at_ms,
        };
        match self
            .links
            .signed(link, || {
                self.objects.presign(
                    &at.bucket,
                    &at.key,
                    expires_at_ms - now_ms,
                    download_as.as_deref(),
                )
            })
            .await
        {
            Ok(href) => view.href = Some(href),
            Err(error) => {
                view.problem = Some(explain(&error, at, &view.uri, review_id));
                view.preview = None;
            }
        }
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
