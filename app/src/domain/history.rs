//! What happened to a review, as read back from the audit log: the lines
//! of its history, and the entries of the change feed that tells live
//! pages what to fetch again.

use serde::{Deserialize, Serialize};

/// One line of a review's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at_ms: i64,
    /// Who acted: a person's email or name, or `system`.
    pub actor: String,
    pub action: String,
    pub detail: Option<String>,
}

/// A review changed: what live pages hear (over `/api/events`) to know
/// what to refetch. Ids and actions only, nothing of the review itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewChange {
    /// The audit entry's id: the feed's position.
    pub cursor: i64,
    pub review_id: String,
    /// The audit action (`received`, `approved`, `delivered`, `expired`, …).
    pub action: String,
}
