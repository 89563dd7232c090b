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
    /// The review's title, when the entry is about a stored review.
    pub review_title: Option<String>,
    /// Its model, `name vversion`.
    pub model: Option<String>,
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
            .map(|listing| {
                let entry = listing.entry;
                let (review_title, model) = listing
                    .review
                    .map(|r| (r.title, format!("{} v{}", r.model_name, r.model_version)))
                    .unzip();
                AuditEntryView {
                    id: entry.id,
                    at_ms: entry.content.at_ms,
                    actor: entry.content.actor,
                    actor_role: entry.content.actor_role,
                    action: entry.content.action,
                    review_id: entry.content.review_id,
                    review_title,
                    model,
                    detail: entry.content.detail,
                }
            })
            .collect();
        AuditPage {
            entries,
            next_before_id: page.next_before_id,
        }
    }
}

/// Audit entries as the audit page's query string asks (`view`, `actor`,
/// `action`, `model`, `text`, `from`, `to`, `before_id`: see
/// [`crate::domain::audit_filter::parse_audit_query`]), newest first, 50 a
/// page. By default (or when left out) the review activity, without views
/// and sign-ins. Leads and admins; a bad value is refused (422) by name.
#[server(endpoint = "audit", output = JsonAnswer)]
pub async fn list_audit(#[server(default)] query: String) -> Result<AuditPage, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    use crate::domain::audit_filter::parse_audit_query;
    respond(
        async {
            require(Role::Lead)?;
            let pairs = crate::domain::filter_value::query_pairs(&query);
            let query = parse_audit_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .map_err(AppError::Invalid)?;
            services()?
                .audit_page(&query.filter, query.before_id)
                .await
                .map(AuditPage::from)
                .map_err(AppError::internal)
        }
        .await,
    )
}
