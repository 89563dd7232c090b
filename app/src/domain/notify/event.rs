//! Which happenings notify: each is an audit entry, so a notification's
//! event is written in the same transaction as what caused it.

use crate::domain::audit_action::Action;
use crate::domain::string_enum::string_enum;

string_enum! {
    /// What a notification is about.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum NotifyKind {
        Arrived => "arrived",
        Reminder => "reminder",
        Escalated => "escalated",
        /// A person's or a rule's decision (an approval of several too).
        Decided => "decided",
        /// Step Functions took the decision, or found its task closed.
        Delivered => "delivered",
        ClosedUpstream => "closed_upstream",
        Expired => "expired",
        /// A delivery has been retrying for longer than it should.
        DeliveryStuck => "delivery_stuck",
    }
}

impl NotifyKind {
    /// The kind an audit entry's action notifies as, if it notifies.
    pub fn of_action(action: &Action) -> Option<Self> {
        match action {
            Action::Received => Some(Self::Arrived),
            Action::Approved | Action::Rejected | Action::PartialApproval { .. } => {
                Some(Self::Decided)
            }
            Action::Delivered | Action::Closed => Some(Self::Delivered),
            Action::ClosedUpstream => Some(Self::ClosedUpstream),
            Action::Expired => Some(Self::Expired),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_and_arrivals_notify_views_do_not() {
        assert_eq!(NotifyKind::of_action(&Action::Received), Some(NotifyKind::Arrived));
        assert_eq!(
            NotifyKind::of_action(&Action::PartialApproval { have: 1, need: 2 }),
            Some(NotifyKind::Decided)
        );
        assert_eq!(NotifyKind::of_action(&Action::Viewed), None);
        assert_eq!(NotifyKind::of_action(&Action::SignedIn), None);
    }
}
