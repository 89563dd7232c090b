//! What people are told about: the kinds of event that notify, and which
//! audit action each one follows (a notification is written with the
//! audit entry of the event that causes it).

use crate::domain::audit_action::Action;
use crate::domain::string_enum::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// An event a route may ask to hear about (`events = [...]` of a
    /// `[[notify.route]]`). The names are configuration's words and the
    /// webhook's `event` field.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum NotifyKind {
        /// A review arrived and waits for a decision.
        Arrived => "arrived",
        /// A pending review reached a reminder's share of its time.
        Reminder => "reminder",
        /// A pending review reached the escalation share: nobody decided.
        Escalated => "escalated",
        /// A decision: approved, rejected, or one approval of several.
        Decided => "decided",
        /// An approval was taken back while the review waits: it needs
        /// approvals again.
        ApprovalWithdrawn => "approval_withdrawn",
        /// The decision reached the workflow (or found its task closed).
        Delivered => "delivered",
        /// The execution ended without Signoff's decision.
        ClosedUpstream => "closed_upstream",
        /// The deadline passed before anyone decided.
        Expired => "expired",
        /// A decision kept retrying to reach Step Functions too long.
        DeliveryStuck => "delivery_stuck",
    }
}

impl NotifyKind {
    /// The kind of notification an audit entry of `action` causes, if any.
    /// Looking at a review, signing in and the like notify nobody, nor does
    /// a failed notification (which would notify about itself); a refused
    /// delivery is the admin page's and the review page's to show.
    pub fn of_action(action: &Action) -> Option<NotifyKind> {
        Some(match action {
            Action::Received => NotifyKind::Arrived,
            Action::Approved | Action::Rejected | Action::PartialApproval { .. } => {
                NotifyKind::Decided
            }
            Action::Delivered | Action::Closed => NotifyKind::Delivered,
            Action::ClosedUpstream => NotifyKind::ClosedUpstream,
            Action::Expired => NotifyKind::Expired,
            Action::ReminderDue => NotifyKind::Reminder,
            Action::Escalated => NotifyKind::Escalated,
            // A delivery refused for good is stuck for good: the same people
            // need to hear that the workflow has not resumed.
            Action::DeliveryStuck | Action::DeliveryFailed => NotifyKind::DeliveryStuck,
            Action::ApprovalWithdrawn => NotifyKind::ApprovalWithdrawn,
            Action::IntakeRejected
            | Action::Viewed
            | Action::ArtefactLinkIssued
            | Action::HeartbeatFailed
            | Action::SignedIn
            | Action::SignedOut
            | Action::Checkpoint
            | Action::NotificationFailed => return None,
        })
    }

    /// Whether an event of this kind changes what a chat message about the
    /// review shows (its outcome, its approvals, its buttons), so every
    /// message posted about it is updated in place. Reminders and
    /// escalations leave the review as it was; a stuck delivery is the
    /// review page's to explain.
    pub fn changes_review(self) -> bool {
        matches!(
            self,
            NotifyKind::Decided
                | NotifyKind::ApprovalWithdrawn
                | NotifyKind::Delivered
                | NotifyKind::ClosedUpstream
                | NotifyKind::Expired
        )
    }

    /// Whether a message of this kind is about a review still waiting for a
    /// decision, so it carries Approve and Reject buttons.
    pub fn awaits_decision(self) -> bool {
        matches!(
            self,
            NotifyKind::Arrived
                | NotifyKind::Reminder
                | NotifyKind::Escalated
                | NotifyKind::ApprovalWithdrawn
        )
    }
}

/// Whether an audit entry with this action text changes the review as its
/// chat messages show it (see [`NotifyKind::changes_review`]).
pub fn updates_chat(action: &str) -> bool {
    Action::parse(action)
        .and_then(|action| NotifyKind::of_action(&action))
        .is_some_and(NotifyKind::changes_review)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_names_and_serde_names_agree() {
        for kind in NotifyKind::ALL {
            assert_eq!(NotifyKind::parse(kind.as_str()), Some(*kind));
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
        }
        assert_eq!(NotifyKind::ALL.len(), 9);
        let typo = serde_json::from_str::<NotifyKind>("\"arived\"").unwrap_err();
        assert!(
            typo.to_string().contains("unknown variant `arived`"),
            "{typo}"
        );
    }

    #[test]
    fn each_event_follows_its_audit_action() {
        let cases = [
            (Action::Received, Some(NotifyKind::Arrived)),
            (Action::Approved, Some(NotifyKind::Decided)),
            (Action::Rejected, Some(NotifyKind::Decided)),
            (
                Action::PartialApproval { have: 1, need: 2 },
                Some(NotifyKind::Decided),
            ),
            (
                Action::ApprovalWithdrawn,
                Some(NotifyKind::ApprovalWithdrawn),
            ),
            (Action::Delivered, Some(NotifyKind::Delivered)),
            (Action::Closed, Some(NotifyKind::Delivered)),
            (Action::ClosedUpstream, Some(NotifyKind::ClosedUpstream)),
            (Action::Expired, Some(NotifyKind::Expired)),
            (Action::ReminderDue, Some(NotifyKind::Reminder)),
            (Action::Escalated, Some(NotifyKind::Escalated)),
            (Action::DeliveryStuck, Some(NotifyKind::DeliveryStuck)),
            (Action::DeliveryFailed, Some(NotifyKind::DeliveryStuck)),
            (Action::NotificationFailed, None),
            (Action::Viewed, None),
            (Action::SignedIn, None),
            (Action::HeartbeatFailed, None),
        ];
        for (action, kind) in cases {
            assert_eq!(NotifyKind::of_action(&action), kind, "{action}");
        }
        // Every kind is caused by some action.
        for kind in NotifyKind::ALL {
            assert!(
                Action::ALL
                    .iter()
                    .any(|a| NotifyKind::of_action(a) == Some(*kind)),
                "{kind}"
            );
        }
    }

    #[test]
    fn only_a_waiting_review_gets_buttons() {
        let with: Vec<NotifyKind> = NotifyKind::ALL
            .iter()
            .copied()
            .filter(|k| k.awaits_decision())
            .collect();
        assert_eq!(
            with,
            [
                NotifyKind::Arrived,
                NotifyKind::Reminder,
                NotifyKind::Escalated,
                NotifyKind::ApprovalWithdrawn
            ],
            "a review waiting again after a withdrawal keeps its buttons"
        );
    }

    #[test]
    fn what_changes_the_review_updates_its_chat_messages() {
        for action in [
            "approved",
            "rejected",
            "approval 1 of 2",
            "approval withdrawn",
            "delivered",
            "closed",
            "closed upstream",
            "expired",
        ] {
            assert!(updates_chat(action), "{action}");
        }
        for action in [
            "received",
            "reminder due",
            "escalated",
            "delivery stuck",
            "delivery failed",
            "viewed",
            "notification failed",
            "no such action",
            "",
        ] {
            assert!(!updates_chat(action), "{action}");
        }
    }
}
