//! Deciding a review: what a decision must carry, who may not decide, and
//! when enough approvals make it final. Pure rules; the decision service
//! applies them under a compare-and-set on the review, so that of two people
//! deciding at once exactly one wins and the other is told why.

use super::review::ReviewStatus;
use super::string_enum::string_enum;
use serde::{Deserialize, Serialize};

/// Longest comment or reason kept (it travels in the workflow's output).
pub const MAX_COMMENT_CHARS: usize = 4000;

string_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Verdict {
        Approve => "approve",
        Reject => "reject",
    }
}

/// A decision as recorded: one per reviewer per review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedDecision {
    pub verdict: Verdict,
    pub reviewer_subject: String,
    /// Email or name, as shown and as sent to the workflow.
    pub reviewer_label: String,
    /// The reviewer's groups when they decided: which "approval from
    /// group X" requirements the decision meets.
    #[serde(default)]
    pub reviewer_groups: Vec<String>,
    pub comment: Option<String>,
    pub at_ms: i64,
}

/// One approval given so far, as the approval rules count it: who gave
/// it, and the groups they were in when they did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approver {
    pub subject: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// What a review needs before it is approved: so many distinct approvals,
/// at least one of them from a member of each of `from_groups`.
#[derive(Debug, Clone, Copy)]
pub struct ApprovalsNeeded<'a> {
    pub count: u32,
    pub from_groups: &'a [String],
}

/// Who is deciding, as the approval rules see them.
#[derive(Debug, Clone, Copy)]
pub struct Decider<'a> {
    pub subject: &'a str,
    pub groups: &'a [String],
}

/// Why a decision was not accepted. The text is what the reviewer reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    #[error("{}", not_pending_text(*status, decided_by.as_deref()))]
    NotPending {
        status: ReviewStatus,
        decided_by: Option<String>,
    },
    #[error("A rejection needs a reason.")]
    ReasonRequired,
    #[error("The comment is too long: at most {MAX_COMMENT_CHARS} characters.")]
    CommentTooLong,
    #[error("You have already approved this review; it needs another reviewer's approval.")]
    AlreadyApproved,
    #[error("You have no approval on this review to withdraw.")]
    NoApprovalToWithdraw,
    #[error("{}", reserved_text(groups))]
    ApprovalReserved { groups: Vec<String> },
    /// The answer this decision makes is over a Step Functions limit
    /// ([`super::output::TooLarge`], as text).
    #[error("{0}")]
    AnswerTooLarge(String),
}

fn reserved_text(groups: &[String]) -> String {
    match groups {
        [one] => format!("The approval this review still needs must come from a member of {one}."),
        many => format!(
            "The approvals this review still needs must come from members of {}.",
            many.join(", ")
        ),
    }
}

fn not_pending_text(status: ReviewStatus, decided_by: Option<&str>) -> String {
    match (status, decided_by) {
        (ReviewStatus::Approved, Some(who)) => format!("Already decided: approved by {who}."),
        (ReviewStatus::Rejected, Some(who)) => format!("Already decided: rejected by {who}."),
        (status, _) => format!(
            "This review is no longer pending (it is {}).",
            status.label().to_lowercase()
        ),
    }
}

/// What accepting a decision does to the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Recorded; the review stays pending until `need` distinct approvals.
    AwaitingApprovals { have: u32, need: u32 },
    /// The review is decided; its answer goes to Step Functions.
    Final(ReviewStatus),
}

/// Trims a comment, and refuses one that is too long. Empty becomes `None`.
pub fn normalise_comment(comment: &str) -> Result<Option<String>, Refusal> {
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(Refusal::CommentTooLong);
    }
    Ok((!comment.is_empty()).then(|| comment.to_owned()))
}

/// Applies one reviewer's verdict to a review in `status` that has `prior`
/// decisions and needs `needed` approvals. One rejection ends the review;
/// approvals count once per reviewer; and the last approvals are kept for
/// the groups an approval must still come from, so a review never collects
/// its count without them.
pub fn evaluate(
    status: ReviewStatus,
    needed: ApprovalsNeeded<'_>,
    prior: &[RecordedDecision],
    verdict: Verdict,
    decider: Decider<'_>,
    comment: Option<&str>,
) -> Result<Outcome, Refusal> {
    still_pending(status, prior)?;
    match verdict {
        Verdict::Reject if comment.is_none_or(|c| c.trim().is_empty()) => {
            Err(Refusal::ReasonRequired)
        }
        Verdict::Reject => Ok(Outcome::Final(ReviewStatus::Rejected)),
        Verdict::Approve => {
            let given: Vec<(&str, &[String])> = approvals(prior)
                .into_iter()
                .map(|d| (d.reviewer_subject.as_str(), d.reviewer_groups.as_slice()))
                .collect();
            count_approval(needed, &given, decider)
        }
    }
}

/// What one more approval, from `decider`, does to a pending review that
/// has the approvals `given` so far: [`evaluate`]'s rule for approvals,
/// for callers that hold approvals rather than recorded decisions.
pub fn approve(
    needed: ApprovalsNeeded<'_>,
    given: &[Approver],
    decider: Decider<'_>,
) -> Result<Outcome, Refusal> {
    let given: Vec<(&str, &[String])> = given
        .iter()
        .map(|a| (a.subject.as_str(), a.groups.as_slice()))
        .collect();
    count_approval(needed, &given, decider)
}

/// Approvals count once per person, and the last ones are kept for the
/// groups an approval must still come from. `given`: each approval so
/// far as its approver's subject and groups.
fn count_approval(
    needed: ApprovalsNeeded<'_>,
    given: &[(&str, &[String])],
    decider: Decider<'_>,
) -> Result<Outcome, Refusal> {
    if given.iter().any(|(subject, _)| *subject == decider.subject) {
        return Err(Refusal::AlreadyApproved);
    }
    let have = u32::try_from(given.len())
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    let need = needed.count.max(1);
    let still_missing: Vec<String> = needed
        .from_groups
        .iter()
        .filter(|group| !given.iter().any(|(_, groups)| groups.contains(group)))
        .filter(|group| !decider.groups.contains(group))
        .cloned()
        .collect();
    let left_after = need.saturating_sub(have);
    if u32::try_from(still_missing.len()).unwrap_or(u32::MAX) > left_after {
        return Err(Refusal::ApprovalReserved {
            groups: still_missing,
        });
    }
    Ok(if have >= need {
        Outcome::Final(ReviewStatus::Approved)
    } else {
        Outcome::AwaitingApprovals { have, need }
    })
}

/// Refuses anything but a pending review, naming who decided it.
fn still_pending(status: ReviewStatus, prior: &[RecordedDecision]) -> Result<(), Refusal> {
    if status.is_pending() {
        return Ok(());
    }
    let decided_by = prior
        .iter()
        .rev()
        .find(|d| match status {
            ReviewStatus::Rejected => d.verdict == Verdict::Reject,
            _ => d.verdict == Verdict::Approve,
        })
        .map(|d| d.reviewer_label.clone());
    Err(Refusal::NotPending { status, decided_by })
}

/// Whether `subject` may take back their approval: only their own, and
/// only while the review waits for more (a final one has been sent).
pub fn may_withdraw(
    status: ReviewStatus,
    prior: &[RecordedDecision],
    subject: &str,
) -> Result<(), Refusal> {
    still_pending(status, prior)?;
    if approvals(prior)
        .iter()
        .any(|d| d.reviewer_subject == subject)
    {
        Ok(())
    } else {
        Err(Refusal::NoApprovalToWithdraw)
    }
}

/// What the decision panel says to someone whose approval is in:
/// "You approved · waiting for 1 more (ml-reviewers)".
pub fn waiting_line(have: u32, need: u32, groups: &[String]) -> String {
    let more = need.saturating_sub(have).max(1);
    let from = match groups {
        [] => String::new(),
        groups => format!(" ({})", groups.join(", ")),
    };
    format!("You approved · waiting for {more} more{from}")
}

/// The approvals among `decisions`, in the order given.
pub fn approvals(decisions: &[RecordedDecision]) -> Vec<&RecordedDecision> {
    decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Approve)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approval(subject: &str, groups: &[&str]) -> RecordedDecision {
        RecordedDecision {
            verdict: Verdict::Approve,
            reviewer_subject: subject.into(),
            reviewer_label: format!("{subject}@example.com"),
            reviewer_groups: groups.iter().map(|g| g.to_string()).collect(),
            comment: None,
            at_ms: 1,
        }
    }

    const NO_GROUPS: &[String] = &[];

    fn needs(count: u32) -> ApprovalsNeeded<'static> {
        ApprovalsNeeded {
            count,
            from_groups: NO_GROUPS,
        }
    }

    fn by(subject: &str) -> Decider<'_> {
        member(subject, NO_GROUPS)
    }

    fn member<'a>(subject: &'a str, groups: &'a [String]) -> Decider<'a> {
        Decider { subject, groups }
    }

    fn pending(
        needed: ApprovalsNeeded<'_>,
        prior: &[RecordedDecision],
        verdict: Verdict,
        decider: Decider<'_>,
        comment: Option<&str>,
    ) -> Result<Outcome, Refusal> {
        evaluate(
            ReviewStatus::Pending,
            needed,
            prior,
            verdict,
            decider,
            comment,
        )
    }

    #[test]
    fn only_ones_own_approval_is_withdrawn_and_only_while_pending() {
        let prior = [approval("ada", &[])];
        assert_eq!(may_withdraw(ReviewStatus::Pending, &prior, "ada"), Ok(()));
        assert_eq!(
            may_withdraw(ReviewStatus::Pending, &prior, "bob"),
            Err(Refusal::NoApprovalToWithdraw)
        );
        let mut rejected = approval("bob", &[]);
        rejected.verdict = Verdict::Reject;
        assert_eq!(
            may_withdraw(ReviewStatus::Pending, &[rejected], "bob"),
            Err(Refusal::NoApprovalToWithdraw),
            "a rejection is final, not withdrawn"
        );
        assert_eq!(
            may_withdraw(ReviewStatus::Approved, &prior, "ada"),
            Err(Refusal::NotPending {
                status: ReviewStatus::Approved,
                decided_by: Some("ada@example.com".into())
            })
        );
    }

    #[test]
    fn the_waiting_line_says_how_many_more_and_from_whom() {
        assert_eq!(waiting_line(1, 2, &[]), "You approved · waiting for 1 more");
        assert_eq!(
            waiting_line(1, 3, &["ml-reviewers".into(), "ml-leads".into()]),
            "You approved · waiting for 2 more (ml-reviewers, ml-leads)"
        );
    }

    #[test]
    fn one_approval_decides_a_single_approver_review() {
        let outcome = pending(needs(1), &[], Verdict::Approve, by("ada"), None);
        assert_eq!(outcome, Ok(Outcome::Final(ReviewStatus::Approved)));
    }

    #[test]
    fn a_rejection_needs_a_reason() {
        for comment in [None, Some(""), Some("   ")] {
            let outcome = pending(needs(1), &[], Verdict::Reject, by("ada"), comment);
            assert_eq!(outcome, Err(Refusal::ReasonRequired));
        }
        let outcome = pending(needs(1), &[], Verdict::Reject, by("ada"), Some("AUC fell"));
        assert_eq!(outcome, Ok(Outcome::Final(ReviewStatus::Rejected)));
    }

    #[test]
    fn n_approvals_need_n_distinct_reviewers() {
        let first = pending(needs(2), &[], Verdict::Approve, by("ada"), None);
        assert_eq!(first, Ok(Outcome::AwaitingApprovals { have: 1, need: 2 }));
        let prior = [approval("ada", &[])];
        let again = pending(needs(2), &prior, Verdict::Approve, by("ada"), None);
        assert_eq!(again, Err(Refusal::AlreadyApproved));
        let second = pending(needs(2), &prior, Verdict::Approve, by("bob"), None);
        assert_eq!(second, Ok(Outcome::Final(ReviewStatus::Approved)));
    }

    #[test]
    fn the_last_approvals_are_kept_for_the_groups_still_missing() {
        let leads = ["ml-leads".to_owned()];
        let reviewers = ["ml-reviewers".to_owned()];
        let needed = ApprovalsNeeded {
            count: 2,
            from_groups: &leads,
        };
        let ada = member("ada", &reviewers);
        let lee = member("lee", &leads);
        // A reviewer may give the first of two approvals...
        assert_eq!(
            pending(needed, &[], Verdict::Approve, ada, None),
            Ok(Outcome::AwaitingApprovals { have: 1, need: 2 })
        );
        // ...but not the last while no lead has approved.
        let prior = [approval("ada", &["ml-reviewers"])];
        let bob = member("bob", &reviewers);
        let refusal = pending(needed, &prior, Verdict::Approve, bob, None).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "The approval this review still needs must come from a member of ml-leads."
        );
        assert_eq!(
            pending(needed, &prior, Verdict::Approve, lee, None),
            Ok(Outcome::Final(ReviewStatus::Approved))
        );
        // A lead first leaves the second approval to anyone.
        let prior = [approval("lee", &["ml-leads"])];
        assert_eq!(
            pending(needed, &prior, Verdict::Approve, bob, None),
            Ok(Outcome::Final(ReviewStatus::Approved))
        );
        // Rejecting is never reserved.
        assert_eq!(
            pending(needed, &[], Verdict::Reject, bob, Some("no")),
            Ok(Outcome::Final(ReviewStatus::Rejected))
        );
    }

    #[test]
    fn one_person_in_two_required_groups_covers_both() {
        let required = ["a".to_owned(), "b".to_owned()];
        let both = ["a".to_owned(), "b".to_owned()];
        let needed = ApprovalsNeeded {
            count: 2,
            from_groups: &required,
        };
        let outsider = pending(needed, &[], Verdict::Approve, by("eve"), None).unwrap_err();
        assert_eq!(
            outsider.to_string(),
            "The approvals this review still needs must come from members of a, b."
        );
        let in_both = member("cy", &both);
        assert_eq!(
            pending(needed, &[], Verdict::Approve, in_both, None),
            Ok(Outcome::AwaitingApprovals { have: 1, need: 2 })
        );
        let prior = [approval("cy", &["a", "b"])];
        assert_eq!(
            pending(needed, &prior, Verdict::Approve, by("eve"), None),
            Ok(Outcome::Final(ReviewStatus::Approved))
        );
    }

    #[test]
    fn one_rejection_ends_a_multi_approver_review() {
        let prior = [approval("ada", &[])];
        let outcome = pending(needs(3), &prior, Verdict::Reject, by("bob"), Some("no"));
        assert_eq!(outcome, Ok(Outcome::Final(ReviewStatus::Rejected)));
    }

    #[test]
    fn a_decided_review_is_refused_naming_who_decided() {
        let prior = [approval("ada", &[])];
        let refusal = evaluate(
            ReviewStatus::Approved,
            needs(1),
            &prior,
            Verdict::Reject,
            by("bob"),
            Some("x"),
        )
        .unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "Already decided: approved by ada@example.com."
        );
        let refusal = evaluate(
            ReviewStatus::Expired,
            needs(1),
            &[],
            Verdict::Approve,
            by("bob"),
            None,
        )
        .unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "This review is no longer pending (it is expired)."
        );
    }

    #[test]
    fn comments_are_trimmed_and_bounded() {
        assert_eq!(
            normalise_comment("  looks good \n"),
            Ok(Some("looks good".into()))
        );
        assert_eq!(normalise_comment("   "), Ok(None));
        let long = "x".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(normalise_comment(&long), Err(Refusal::CommentTooLong));
    }

    #[test]
    fn verdicts_round_trip() {
        for v in [Verdict::Approve, Verdict::Reject] {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::parse("maybe"), None);
    }
}
