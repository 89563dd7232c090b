//! Deciding a review: what a decision must carry, who may not decide, and
//! when enough approvals make it final. Pure rules; the decision service
//! applies them under a compare-and-set on the review, so that of two people
//! deciding at once exactly one wins and the other is told why.

use super::review::ReviewStatus;
use serde::{Deserialize, Serialize};

/// Longest comment or reason kept (it travels in the workflow's output).
pub const MAX_COMMENT_CHARS: usize = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Reject,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "approve" => Some(Verdict::Approve),
            "reject" => Some(Verdict::Reject),
            _ => None,
        }
    }
}

/// A decision as recorded: one per reviewer per review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedDecision {
    pub verdict: Verdict,
    pub reviewer_subject: String,
    /// Email or name, as shown and as sent to the workflow.
    pub reviewer_label: String,
    pub comment: Option<String>,
    pub at_ms: i64,
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
/// decisions and needs `required_approvals` distinct approvals. One rejection
/// ends the review; approvals count once per reviewer.
pub fn evaluate(
    status: ReviewStatus,
    required_approvals: u32,
    prior: &[RecordedDecision],
    verdict: Verdict,
    reviewer_subject: &str,
    comment: Option<&str>,
) -> Result<Outcome, Refusal> {
    if !status.is_pending() {
        let decided_by = prior
            .iter()
            .rev()
            .find(|d| match status {
                ReviewStatus::Rejected => d.verdict == Verdict::Reject,
                _ => d.verdict == Verdict::Approve,
            })
            .map(|d| d.reviewer_label.clone());
        return Err(Refusal::NotPending { status, decided_by });
    }
    match verdict {
        Verdict::Reject if comment.is_none_or(|c| c.trim().is_empty()) => {
            Err(Refusal::ReasonRequired)
        }
        Verdict::Reject => Ok(Outcome::Final(ReviewStatus::Rejected)),
        Verdict::Approve => {
            let already = prior
                .iter()
                .any(|d| d.verdict == Verdict::Approve && d.reviewer_subject == reviewer_subject);
            if already {
                return Err(Refusal::AlreadyApproved);
            }
            let have = approvals(prior).len() as u32 + 1;
            let need = required_approvals.max(1);
            Ok(if have >= need {
                Outcome::Final(ReviewStatus::Approved)
            } else {
                Outcome::AwaitingApprovals { have, need }
            })
        }
    }
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

    fn approval(subject: &str) -> RecordedDecision {
        RecordedDecision {
            verdict: Verdict::Approve,
            reviewer_subject: subject.into(),
            reviewer_label: format!("{subject}@example.com"),
            comment: None,
            at_ms: 1,
        }
    }

    #[test]
    fn one_approval_decides_a_single_approver_review() {
        let outcome = evaluate(ReviewStatus::Pending, 1, &[], Verdict::Approve, "ada", None);
        assert_eq!(outcome, Ok(Outcome::Final(ReviewStatus::Approved)));
    }

    #[test]
    fn a_rejection_needs_a_reason() {
        for comment in [None, Some(""), Some("   ")] {
            let outcome = evaluate(
                ReviewStatus::Pending,
                1,
                &[],
                Verdict::Reject,
                "ada",
                comment,
            );
            assert_eq!(outcome, Err(Refusal::ReasonRequired));
        }
        let outcome = evaluate(
            ReviewStatus::Pending,
            1,
            &[],
            Verdict::Reject,
            "ada",
            Some("AUC fell"),
        );
        assert_eq!(outcome, Ok(Outcome::Final(ReviewStatus::Rejected)));
    }

    #[test]
    fn n_approvals_need_n_distinct_reviewers() {
        let first = evaluate(ReviewStatus::Pending, 2, &[], Verdict::Approve, "ada", None);
        assert_eq!(first, Ok(Outcome::AwaitingApprovals { have: 1, need: 2 }));
        let prior = [approval("ada")];
        let again = evaluate(
            ReviewStatus::Pending,
            2,
            &prior,
            Verdict::Approve,
            "ada",
            None,
        );
        assert_eq!(again, Err(Refusal::AlreadyApproved));
        let second = evaluate(
            ReviewStatus::Pending,
            2,
            &prior,
            Verdict::Approve,
            "bob",
            None,
        );
        assert_eq!(second, Ok(Outcome::Final(ReviewStatus::Approved)));
    }

    #[test]
    fn one_rejection_ends_a_multi_approver_review() {
        let prior = [approval("ada")];
        let outcome = evaluate(
            ReviewStatus::Pending,
            3,
            &prior,
            Verdict::Reject,
            "bob",
            Some("no"),
        );
        assert_eq!(outcome, Ok(Outcome::Final(ReviewStatus::Rejected)));
    }

    #[test]
    fn a_decided_review_is_refused_naming_who_decided() {
        let prior = [approval("ada")];
        let refusal = evaluate(
            ReviewStatus::Approved,
            1,
            &prior,
            Verdict::Reject,
            "bob",
            Some("x"),
        )
        .unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "Already decided: approved by ada@example.com."
        );
        let refusal =
            evaluate(ReviewStatus::Expired, 1, &[], Verdict::Approve, "bob", None).unwrap_err();
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
