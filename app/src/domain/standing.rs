//! Where the person looking stands on a review: they may approve it now,
//! they have approved it already, or they may not, and why. One rule
//! behind the queue's "Needs my review" and "Requested by me" views and
//! the marks on rows someone cannot act on, built on [`may_decide`], the
//! check a decision itself goes through, so the queue does not promise
//! what the decision would refuse: who may decide at all, and whether the
//! approvals given so far leave room for theirs (a policy's
//! `approval_from` keeps the last ones for its groups).

use super::access::{may_decide, NotAllowed};
use super::actor::{Actor, Role};
use super::decision::{approve, Approver, Decider, Refusal, Verdict};
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
    /// The approvals it still needs must come from these groups, and they
    /// are in none of them.
    Reserved(Vec<String>),
    /// It is decided, expired or cancelled.
    Closed,
}

/// A review as far as standing goes: what it asks, the policy it is held
/// to, where it stands, and the approvals given so far.
#[derive(Debug, Clone, Copy)]
pub struct ReviewState<'a> {
    pub spec: &'a ReviewSpec,
    pub policy: &'a EffectivePolicy,
    pub status: ReviewStatus,
    pub approvals: &'a [Approver],
}

/// Where `actor` stands on `review`.
pub fn standing(actor: &Actor, review: ReviewState<'_>) -> Standing {
    if !review.status.is_pending() {
        return Standing::Closed;
    }
    if review.approvals.iter().any(|a| a.subject == actor.subject) {
        return Standing::Approved;
    }
    if let Err(why) = may_decide(actor, review.spec, review.policy, Verdict::Approve) {
        return Standing::Barred(why);
    }
    let decider = Decider {
        subject: &actor.subject,
        groups: &actor.groups,
    };
    match approve(review.policy.approvals_needed(), review.approvals, decider) {
        Err(Refusal::ApprovalReserved { groups }) => Standing::Reserved(groups),
        Err(Refusal::AlreadyApproved) => Standing::Approved,
        _ => Standing::MayApprove,
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
            Standing::Reserved(groups) => (
                format!("Needs {}", groups.join(", ")),
                Refusal::ApprovalReserved {
                    groups: groups.clone(),
                }
                .to_string(),
            ),
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
        let approvals: Vec<Approver> = approved
            .iter()
            .map(|subject| Approver {
                subject: subject.to_string(),
                groups: Vec::new(),
            })
            .collect();
        standing(
            actor,
            ReviewState {
                spec,
                policy: &policy,
                status,
                approvals: &approvals,
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
    fn an_approval_kept_for_another_group_is_not_mine_to_give() {
        let review = spec("ci@example.com", Some("ml-reviewers"));
        let policy = EffectivePolicy {
            required_approvals: 2,
            approval_from: vec!["ml-leads".to_owned()],
            ..EffectivePolicy::from_request(&review)
        };
        let given = [Approver {
            subject: "sub-bob@example.com".to_owned(),
            groups: vec!["ml-reviewers".to_owned()],
        }];
        let state = ReviewState {
            spec: &review,
            policy: &policy,
            status: ReviewStatus::Pending,
            approvals: &given,
        };
        let ada = person(Role::Reviewer, "ada@example.com", &["ml-reviewers"]);
        let got = standing(&ada, state);
        assert_eq!(got, Standing::Reserved(vec!["ml-leads".to_owned()]));
        let mark = got.mark().unwrap();
        assert_eq!(mark.label, "Needs ml-leads");
        assert!(mark.why.contains("member of ml-leads"), "{}", mark.why);

        let lena = person(
            Role::Reviewer,
            "lena@example.com",
            &["ml-reviewers", "ml-leads"],
        );
        assert_eq!(standing(&lena, state), Standing::MayApprove);
        // Before anyone approved, the first approval may come from anyone.
        let first = ReviewState {
            approvals: &[],
            ..state
        };
        assert_eq!(standing(&ada, first), Standing::MayApprove);
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
