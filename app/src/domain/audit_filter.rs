//! Which audit entries a lead asks for: the audit page, its exports and
//! the store's audit query all read the same filter.

use serde::{Deserialize, Serialize};

/// Which audit entries to list; every field narrows, none means all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Part of the actor's label (email or name), or `system`.
    pub actor: Option<String>,
    /// The action exactly (`approved`, `rejected`, `viewed`, …).
    pub action: Option<String>,
    pub review_id: Option<String>,
    /// The reviewed model's name exactly.
    pub model: Option<String>,
    /// Part of the detail text.
    pub text: Option<String>,
    /// From this time on, epoch ms.
    pub from_ms: Option<i64>,
    /// Before this time, epoch ms.
    pub to_ms: Option<i64>,
}
