//! What an audit entry says happened: the actions Signoff writes, and how
//! the queries classify them (which change a review, which a review's
//! history shows). Signoff writes only these; what is stored and hashed
//! stays the action's text, so an entry written by an older version, or
//! imported with an action unknown here, still verifies and shows as it is.

use std::borrow::Cow;
use std::fmt;

/// An action Signoff records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A review request arrived and was stored.
    Received,
    /// A message was refused at intake (kept scrubbed, with its reasons).
    IntakeRejected,
    /// Someone opened a review's page (once per person in a few minutes).
    Viewed,
    /// Presigned artefact links were handed out: one entry per person,
    /// object and link window.
    ArtefactLinkIssued,
    /// The approval that made a review approved (a person's or a rule's).
    Approved,
    /// An approval that leaves the review waiting for more:
    /// `approval {have} of {need}`.
    PartialApproval {
        have: u32,
        need: u32,
    },
    /// A rejection (always final).
    Rejected,
    /// Someone took back their approval while the review waited for more.
    ApprovalWithdrawn,
    /// Step Functions took the decision.
    Delivered,
    /// The decision found its task already closed.
    Closed,
    /// Step Functions refused the decision for good.
    DeliveryFailed,
    /// Heartbeats failed (one entry per review in a window of minutes).
    HeartbeatFailed,
    /// The deadline passed (Signoff's clock, or the workflow's own).
    Expired,
    /// The execution ended without Signoff's decision.
    ClosedUpstream,
    /// A reminder about a pending review went out; the detail says at
    /// which share of its time to the deadline (`reminder-50: 50% …`).
    ReminderDue,
    /// Nobody decided by the escalation share: the escalation route heard.
    Escalated,
    /// A decision kept retrying to reach Step Functions for longer than the
    /// configured time.
    DeliveryStuck,
    /// A notification could not be sent (for good, or out of retries).
    NotificationFailed,
    SignedIn,
    SignedOut,
    /// Where pruned entries ended: the chain goes on from the hash it holds.
    Checkpoint,
}

impl Action {
    /// Every action with a fixed name, in the order the audit page offers
    /// them (partial approvals, named by their counts, are not listed).
    pub const ALL: &'static [Action] = &[
        Action::Approved,
        Action::Rejected,
        Action::ApprovalWithdrawn,
        Action::Received,
        Action::Delivered,
        Action::Closed,
        Action::DeliveryFailed,
        Action::Expired,
        Action::ClosedUpstream,
        Action::ReminderDue,
        Action::Escalated,
        Action::DeliveryStuck,
        Action::NotificationFailed,
        Action::Viewed,
        Action::ArtefactLinkIssued,
        Action::SignedIn,
        Action::SignedOut,
        Action::IntakeRejected,
        Action::HeartbeatFailed,
        Action::Checkpoint,
    ];

    /// The stored (and hashed) text.
    pub fn name(self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Action::Received => "received",
            Action::IntakeRejected => "intake rejected",
            Action::Viewed => "viewed",
            Action::ArtefactLinkIssued => "artefact link issued",
            Action::Approved => "approved",
            Action::PartialApproval { have, need } => {
                return Cow::Owned(format!("approval {have} of {need}"))
            }
            Action::Rejected => "rejected",
            Action::ApprovalWithdrawn => "approval withdrawn",
            Action::Delivered => "delivered",
            Action::Closed => "closed",
            Action::DeliveryFailed => "delivery failed",
            Action::HeartbeatFailed => "heartbeat failed",
            Action::Expired => "expired",
            Action::ClosedUpstream => "closed upstream",
            Action::ReminderDue => "reminder due",
            Action::Escalated => "escalated",
            Action::DeliveryStuck => "delivery stuck",
            Action::NotificationFailed => "notification failed",
            Action::SignedIn => "signed in",
            Action::SignedOut => "signed out",
            Action::Checkpoint => "checkpoint",
        })
    }

    /// The action a stored text names; `None` for text Signoff does not
    /// write (today), which the entry keeps as it is.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some((have, need)) = text
            .strip_prefix("approval ")
            .and_then(|counts| counts.split_once(" of "))
        {
            let action = Action::PartialApproval {
                have: have.parse().ok()?,
                need: need.parse().ok()?,
            };
            // Only the canonical spelling ("approval 01 of 2" is not ours).
            return (action.name() == text).then_some(action);
        }
        Self::ALL.iter().copied().find(|a| a.name() == text)
    }

    /// Whether an entry of this action about a review changes what the
    /// review's pages show, so live pages fetch it again. Looking (a view,
    /// a link) changes nothing, nor does a failed heartbeat, nor telling
    /// people about a review (a reminder, an escalation, a stuck delivery,
    /// a failed notification): the review stays as it was.
    pub fn changes_a_review(self) -> bool {
        !matches!(
            self,
            Action::Viewed
                | Action::ArtefactLinkIssued
                | Action::HeartbeatFailed
                | Action::ReminderDue
                | Action::Escalated
                | Action::DeliveryStuck
                | Action::NotificationFailed
        )
    }

    /// Whether a review's history lists entries of this action: everything
    /// but looking at it and a notification that failed (the admin page
    /// lists those; a reminder or an escalation that went out is part of
    /// the review's story).
    pub fn shown_in_history(self) -> bool {
        !matches!(
            self,
            Action::Viewed | Action::ArtefactLinkIssued | Action::NotificationFailed
        )
    }
}

impl Action {
    /// Whether this is a person's or a rule's decision: an approval (a
    /// partial one too), a rejection, or an approval taken back.
    pub fn is_decision(self) -> bool {
        matches!(
            self,
            Action::Approved
                | Action::PartialApproval { .. }
                | Action::Rejected
                | Action::ApprovalWithdrawn
        )
    }

    /// Whether the entry records someone looking (a view, an artefact
    /// link) or signing in or out: what the audit page's default view
    /// leaves out.
    pub fn is_looking_or_signing_in(self) -> bool {
        matches!(
            self,
            Action::Viewed | Action::ArtefactLinkIssued | Action::SignedIn | Action::SignedOut
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_as_its_action() {
        let mut names: Vec<String> = Action::ALL.iter().map(|a| a.to_string()).collect();
        for action in Action::ALL {
            assert_eq!(Action::parse(&action.name()), Some(*action), "{action}");
        }
        let partial = Action::PartialApproval { have: 1, need: 2 };
        assert_eq!(partial.to_string(), "approval 1 of 2");
        assert_eq!(Action::parse("approval 1 of 2"), Some(partial));
        names.push(partial.to_string());
        names.sort();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "two actions share a name");
    }

    #[test]
    fn text_signoff_does_not_write_is_no_action() {
        for text in [
            "note",
            "",
            "Approved",
            "approval",
            "approval 1 of",
            "approval one of 2",
            "approval 01 of 2",
            "closed_upstream",
        ] {
            assert_eq!(Action::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_stored_names_are_those_signoff_has_always_written() {
        // Stored and hashed: a changed name would split the log in two.
        let names: Vec<String> = Action::ALL.iter().map(|a| a.to_string()).collect();
        assert_eq!(
            names,
            [
                "approved",
                "rejected",
                "approval withdrawn",
                "received",
                "delivered",
                "closed",
                "delivery failed",
                "expired",
                "closed upstream",
                "reminder due",
                "escalated",
                "delivery stuck",
                "notification failed",
                "viewed",
                "artefact link issued",
                "signed in",
                "signed out",
                "intake rejected",
                "heartbeat failed",
                "checkpoint",
            ]
        );
    }

    #[test]
    fn looking_at_a_review_or_telling_people_about_it_changes_nothing() {
        let unchanging: Vec<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| !a.changes_a_review())
            .collect();
        assert_eq!(
            unchanging,
            [
                Action::ReminderDue,
                Action::Escalated,
                Action::DeliveryStuck,
                Action::NotificationFailed,
                Action::Viewed,
                Action::ArtefactLinkIssued,
                Action::HeartbeatFailed
            ]
        );
        let hidden: Vec<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| !a.shown_in_history())
            .collect();
        assert_eq!(
            hidden,
            [
                Action::NotificationFailed,
                Action::Viewed,
                Action::ArtefactLinkIssued
            ],
            "a reminder, an escalation and a stuck delivery are in the history"
        );
        let partial = Action::PartialApproval { have: 1, need: 2 };
        assert!(partial.changes_a_review() && partial.shown_in_history());
    }

    #[test]
    fn decisions_are_approvals_partial_whole_or_withdrawn_and_rejections() {
        let decisions: Vec<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| a.is_decision())
            .collect();
        assert_eq!(
            decisions,
            [
                Action::Approved,
                Action::Rejected,
                Action::ApprovalWithdrawn
            ]
        );
        assert!(Action::PartialApproval { have: 1, need: 3 }.is_decision());
        let looking: Vec<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| a.is_looking_or_signing_in())
            .collect();
        assert_eq!(
            looking,
            [
                Action::Viewed,
                Action::ArtefactLinkIssued,
                Action::SignedIn,
                Action::SignedOut
            ]
        );
    }
}
