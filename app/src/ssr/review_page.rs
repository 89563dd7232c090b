//! The review page as the server renders it: the review and its artefact
//! links from one read of the stored review. Both parts also have their own
//! use case ([`Services::review_detail`], [`Services::artefact_links`]) for
//! what an open page asks for again.

use super::ports::StoreError;
use super::Services;
use crate::api::{ArtefactView, ReviewDetail};
use crate::domain::actor::Actor;

/// One review page: the review, and its artefacts or why they could not be
/// prepared (the rest of the page is shown all the same).
pub struct ReviewPage {
    pub detail: ReviewDetail,
    pub artefacts: Result<Vec<ArtefactView>, StoreError>,
}

impl Services {
    /// The page of review `id` for `viewer`, or `None` when there is no
    /// such review. The view and the links are audited as on their own.
    pub async fn review_page(
        &self,
        id: &str,
        viewer: &Actor,
    ) -> Result<Option<ReviewPage>, StoreError> {
        let Some(review) = self.store.review(id).await? else {
            return Ok(None);
        };
        let artefacts = review.spec.artefacts.clone();
        let (detail, artefacts) = futures::join!(
            self.detail_of(review, viewer),
            self.links_for(id, artefacts, viewer)
        );
        Ok(Some(ReviewPage {
            detail: detail?,
            artefacts,
        }))
    }
}
