//! The audit log as leads read it, a page at a time.

use super::{AppError, JsonAnswer};
use leptos::server;
use serde::{Deserialize, Serialize};

/// One audit entry as leads read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub id: i64,
    pub at_ms: i64,
    pub actor: String,
    pub actor_role: Option<String>,
    pub action: String,
    pub review_id: Option<String>,
    pub detail: Option<String>,
}

/// A page of audit entries, newest first, and where the next page starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before_id` for the next (older) page; `None` at the end.
    pub next_before_id: Option<i64>,
}

/// What leads read of each entry: not the hashes, nor the actor's subject.
#[cfg(feature = "ssr")]
impl From<crate::ssr::AuditEntries> for AuditPage {
    fn from(page: crate::ssr::AuditEntries) -> Self {
        let entries = page
            .entries
            .into_iter()
            .map(|entry| AuditEntryView {
                id: entry.id,
                at_ms: entry.content.at_ms,
                actor: entry.content.actor,
                actor_role: entry.content.actor_role,
                action: entry.content.action,
                review_id: entry.content.review_id,
                detail: entry.content.detail,
            })
            .collect();
        AuditPage {
            entries,
            next_before_id: page.next_before_id,
        }
    }
}

/// Audit entries matching the filters, newest first, 50 a page, older
/// pages from `before_id`. Leads and admins. (Flat arguments: the form
/// encoding cannot leave out a nested filter.)
#[server(endpoint = "audit", output = JsonAnswer)]
pub async fn list_audit(
    actor: Option<String>,
    action: Option<String>,
    model: Option<String>,
    text: Option<String>,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    before_id: Option<i64>,
) -> Result<AuditPage, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    use crate::domain::audit_filter::AuditFilter;
    let blank_is_none = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    let filter = AuditFilter {
        actor: blank_is_none(actor),
        action: blank_is_none(action),
        review_id: None,
        model: blank_is_none(model),
        text: blank_is_none(text),
        from_ms,
        to_ms,
    };
    respond(
        async {
            require(Role::Lead)?;
            services()?
                .audit_page(&filter, before_id)
                .await
                .map(AuditPage::from)
                .map_err(AppError::internal)
        }
        .await,
    )
}
