//! Where the person looking stands on a review: they may approve it now,
//! they have approved it already, or they may not, and why. One rule
//! behind the queue's "Needs my review" and "Requested by me" views and
//! the marks on rows someone cannot act on, built on [`may_decide`], the
//! check a decision itself goes through, so the queue does not promise
//! what the decision would refuse. (Not yet checked here: a policy's
//! `approval_from`, which needs each approval's groups.)

use super::access::{may_decide, NotAllowed};
use super::actor::{Actor, Role};
use super::decision::Verdict;
use super::identity::{compare_requester, RequesterMatch};
use super::intake::ReviewSpec;
use super::policy::EffectivePolicy;
use super::review::ReviewStatus;
use serde::{Deserialize, Serialize};

/// What `actor` can do about one review now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// They may approve it.
    MayApprove,
    /// They approved it; it waits for other approvals.
    Approved,
    /// They may not approve it, for this reason.
    Barred(NotAllowed),
    /// It is decided, expired or cancelled.
    Closed,
}

/// A review as far as standing goes: what it asks, the policy it is held
/// to, where it stands, and who has approved it so far (subjects).
#[derive(Debug, Clone, Copy)]
pub struct ReviewState<'a> {
    pub spec: &'a ReviewSpec,
    pub policy: &'a EffectivePolicy,
    pub status: ReviewStatus,
    pub approved_by: &'a [String],
}

/// Where `actor` stands on `review`.
pub fn standing(actor: &Actor, review: ReviewState<'_>) -> Standing {
    if !review.status.is_pending() {
        return Standing::Closed;
    }
    if review.approved_by.contains(&actor.subject) {
        return Standing::Approved;
    }
    match may_decide(actor, review.spec, review.policy, Verdict::Approve) {
        Ok(()) => Standing::MayApprove,
        Err(why) => Standing::Barred(why),
    }
}

/// Whether `actor` requested the review described by `spec`, as surely as
/// the names compare ("cannot tell" is not a yes).
pub fn requested_by(actor: &Actor, spec: &ReviewSpec) -> bool {
    spec.requested_by
        .as_deref()
        .is_some_and(|name| compare_requester(actor.known_names(), name) == RequesterMatch::Same)
}

/// What a queue row says when the person looking cannot act on it: a few
/// words on the row and the whole reason beside them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowMark {
    pub label: String,
    pub why: String,
}

impl Standing {
    /// The row's mark, if it needs one. A role too low to decide anything
    /// marks no row: the page says so once.
    pub fn mark(&self) -> Option<RowMark> {
        let (label, why) = match self {
            Standing::MayApprove
            | Standing::Closed
            | Standing::Barred(NotAllowed::RoleTooLow(_)) => return None,
            Standing::Approved => (
                "You approved".to_owned(),
                "You approved this review; it waits for more approvals.".to_owned(),
            ),
            Standing::Barred(why @ NotAllowed::OwnRequest) => {
                ("Your request".to_owned(), why.to_string())
            }
            Standing::Barred(why @ NotAllowed::CannotTellRequester(_)) => {
                ("Maybe your request".to_owned(), why.to_string())
            }
            Standing::Barred(why @ NotAllowed::NotInReviewerGroup(groups)) => {
                (format!("For {groups}"), why.to_string())
            }
        };
        Some(RowMark { label, why })
    }
}

/// What the queue says once, above its rows, to someone whose role decides
/// nothing.
pub fn role_note(actor: &Actor) -> Option<String> {
    (!actor.has_role(Role::Reviewer))
        .then(|| NotAllowed::RoleTooLow(actor.role.as_str()).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::tests::actor as person;
    use crate::domain::intake::parse_review_spec;
    use serde_json::json;

    fn spec(requested_by: &str, group: Option<&str>) -> ReviewSpec {
        let mut review = json!({
            "title": "t", "model": {"name": "m", "version": "1"}, "metrics": {},
            "requestedBy": requested_by,
        });
        if let Some(group) = group {
            review["reviewerGroup"] = json!(group);
        }
        parse_review_spec(&review, "review").unwrap()
    }

    fn stand(
        actor: &Actor,
        spec: &ReviewSpec,
        status: ReviewStatus,
        approved: &[&str],
    ) -> Standing {
        let policy = EffectivePolicy::from_request(spec);
        let approved_by: Vec<String> = approved.iter().map(|s| s.to_string()).collect();
        standing(
            actor,
            ReviewState {
                spec,
                policy: &policy,
                status,
                approved_by: &approved_by,
            },
        )
    }

    #[test]
    fn a_reviewer_in_the_group_may_approve_someone_elses_request() {
        let ada = person(Role::Reviewer, "ada@example.com", &["ml-reviewers"]);
        let review = spec("ci@example.com", Some("ml-reviewers"));
        let got = stand(&ada, &review, ReviewStatus::Pending, &[]);
        assert_eq!(got, Standing::MayApprove);
        assert_eq!(got.mark(), None);
    }

    #[test]
    fn an_approval_already_given_is_its_own_standing() {
        let ada = person(Role::Reviewer, "ada@example.com", &[]);
        let review = spec("ci@example.com", None);
        let got = stand(
            &ada,
            &review,
            ReviewStatus::Pending,
            &["sub-other", "sub-ada@example.com"],
        );
        assert_eq!(got, Standing::Approved);
        assert_eq!(got.mark().unwrap().label, "You approved");
        // Someone else's approval leaves mine to give.
        assert_eq!(
            stand(&ada, &review, ReviewStatus::Pending, &["sub-other"]),
            Standing::MayApprove
        );
    }

    #[test]
    fn barred_rows_say_why_in_a_few_words_and_in_full() {
        let ada = person(Role::Reviewer, "ada@example.com", &["ml-reviewers"]);
        let own = stand(
            &ada,
            &spec("ADA@example.com", None),
            ReviewStatus::Pending,
            &[],
        );
        let mark = own.mark().unwrap();
        assert_eq!(mark.label, "Your request");
        assert!(
            mark.why.contains("someone else has to approve"),
            "{}",
            mark.why
        );

        let elsewhere = stand(
            &ada,
            &spec("ci@example.com", Some("fraud-reviewers")),
            ReviewStatus::Pending,
            &[],
        );
        let mark = elsewhere.mark().unwrap();
        assert_eq!(mark.label, "For fraud-reviewers");
        assert!(
            mark.why.contains("Only members of fraud-reviewers"),
            "{}",
            mark.why
        );
    }

    #[test]
    fn a_lead_may_approve_outside_the_group_and_a_viewer_is_told_once() {
        let lead = person(Role::Lead, "lee@example.com", &[]);
        let review = spec("ci@example.com", Some("fraud-reviewers"));
        assert_eq!(
            stand(&lead, &review, ReviewStatus::Pending, &[]),
            Standing::MayApprove
        );
        assert_eq!(role_note(&lead), None);

        let viewer = person(Role::Viewer, "val@example.com", &["fraud-reviewers"]);
        let got = stand(&viewer, &review, ReviewStatus::Pending, &[]);
        assert!(matches!(got, Standing::Barred(NotAllowed::RoleTooLow(_))));
        assert_eq!(got.mark(), None, "the page says it, not every row");
        assert!(role_note(&viewer).unwrap().contains("viewer"));
    }

    #[test]
    fn a_review_no_longer_pending_is_closed_to_everyone() {
        let ada = person(Role::Reviewer, "ada@example.com", &[]);
        let review = spec("ci@example.com", None);
        for status in [ReviewStatus::Approved, ReviewStatus::Expired] {
            assert_eq!(stand(&ada, &review, status, &[]), Standing::Closed);
        }
    }

    #[test]
    fn requested_by_me_needs_a_sure_match() {
        let ada = person(Role::Reviewer, "ada@example.com", &[]);
        assert!(requested_by(&ada, &spec("Ada@Example.com", None)));
        assert!(
            requested_by(&ada, &spec("ada", None)),
            "the address's local part"
        );
        assert!(!requested_by(&ada, &spec("bob@example.com", None)));
        let unverified = Actor {
            email_verified: false,
            ..ada.clone()
        };
        assert!(
            !requested_by(&unverified, &spec("ada@example.com", None)),
            "cannot tell is not a yes"
        );
    }
}
