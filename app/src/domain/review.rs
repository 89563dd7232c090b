//! Where a review is in its life, and where its decision is on the way back
//! to Step Functions.

use serde::{Deserialize, Serialize};

/// `pending` → (`approved` | `rejected`), or → `expired` / `closed_upstream` /
/// `superseded`. Only a pending review can be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Pending,
    Approved,
    Rejected,
    /// Its deadline passed before anyone decided.
    Expired,
    /// The execution ended without Signoff (aborted, timed out, failed).
    ClosedUpstream,
    /// A newer request replaced it.
    Superseded,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 6] = [
        ReviewStatus::Pending,
        ReviewStatus::Approved,
        ReviewStatus::Rejected,
        ReviewStatus::Expired,
        ReviewStatus::ClosedUpstream,
        ReviewStatus::Superseded,
    ];

    /// The stored form (also the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Expired => "expired",
            ReviewStatus::ClosedUpstream => "closed_upstream",
            ReviewStatus::Superseded => "superseded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// How the status reads to a person.
    pub fn label(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "Pending",
            ReviewStatus::Approved => "Approved",
            ReviewStatus::Rejected => "Rejected",
            ReviewStatus::Expired => "Expired",
            ReviewStatus::ClosedUpstream => "Closed upstream",
            ReviewStatus::Superseded => "Superseded",
        }
    }

    pub fn is_pending(self) -> bool {
        self == ReviewStatus::Pending
    }
}

/// Progress of a decision on its way back to Step Functions (the outbox).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Committed here, not yet acknowledged by Step Functions.
    Queued,
    /// Step Functions accepted it; the workflow has resumed.
    Delivered,
    /// The task was already closed (timed out, aborted, answered before).
    Closed,
    /// Step Functions refused the answer for good (`InvalidOutput`, a
    /// `ValidationException`); never retried, the reason is kept.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Closed => "closed",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            DeliveryState::Queued,
            DeliveryState::Delivered,
            DeliveryState::Closed,
            DeliveryState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_forms_round_trip() {
        for status in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(ReviewStatus::parse("done"), None);
        for state in [
            DeliveryState::Queued,
            DeliveryState::Delivered,
            DeliveryState::Closed,
            DeliveryState::Failed,
        ] {
            assert_eq!(DeliveryState::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn only_pending_is_pending() {
        let pending: Vec<_> = ReviewStatus::ALL
            .into_iter()
            .filter(|s| s.is_pending())
            .collect();
        assert_eq!(pending, vec![ReviewStatus::Pending]);
    }
}
