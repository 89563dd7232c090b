//! Where a review is in its life, and where its decision is on the way back
//! to Step Functions.

use super::string_enum::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// `pending` → (`approved` | `rejected`), or → `expired` / `closed_upstream` /
    /// `superseded`. Only a pending review can be decided. The names are the
    /// stored form (also the serde form).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum ReviewStatus {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        /// Its deadline passed before anyone decided.
        Expired => "expired",
        /// The execution ended without Signoff (aborted, timed out, failed).
        ClosedUpstream => "closed_upstream",
        /// A newer request replaced it.
        Superseded => "superseded",
    }
}

impl ReviewStatus {
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

string_enum! {
    /// Progress of a decision on its way back to Step Functions (the outbox).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum DeliveryState {
        /// Committed here, not yet acknowledged by Step Functions.
        Queued => "queued",
        /// Step Functions accepted it; the workflow has resumed.
        Delivered => "delivered",
        /// The task was already closed (timed out, aborted, answered before).
        Closed => "closed",
        /// Step Functions refused the answer for good (`InvalidOutput`, a
        /// `ValidationException`); never retried, the reason is kept.
        Failed => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_forms_round_trip() {
        for &status in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(ReviewStatus::parse("done"), None);
        for &state in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(state.as_str()), Some(state));
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
        }
    }

    #[test]
    fn only_pending_is_pending() {
        let pending: Vec<_> = ReviewStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_pending())
            .collect();
        assert_eq!(pending, vec![ReviewStatus::Pending]);
    }
}
