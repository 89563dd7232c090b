//! Server functions about the person using the page and the deployment.

use super::{AppError, AuditPage, JsonAnswer, OverviewView, SettingsView, UserView};
use leptos::server;

/// Who is signed in, or `None`. The one server function that answers
/// without a session (the page header asks before anything else).
#[server(endpoint = "me", output = JsonAnswer)]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    use axum::http::request::Parts;
    use leptos::prelude::use_context;
    let actor = use_context::<Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<crate::domain::actor::Actor>()
            .cloned()
    });
    Ok(actor.map(|actor| UserView {
        name: actor.display_name,
        email: actor.email,
        role: actor.role,
    }))
}

/// The running configuration. Admins only.
#[server(endpoint = "settings", output = JsonAnswer)]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    use super::guard::{require, respond};
    use crate::domain::actor::Role;
    use leptos::prelude::use_context;
    respond((|| {
        require(Role::Admin)?;
        use_context::<SettingsView>()
            .ok_or_else(|| AppError::internal("settings missing from context"))
    })())
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

/// The lead's overview of the last `days` days (default 30). Leads and admins.
#[server(endpoint = "overview", output = JsonAnswer)]
pub async fn get_overview(days: Option<u32>) -> Result<OverviewView, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            require(Role::Lead)?;
            let days = days.unwrap_or(30).clamp(1, 366);
            services()?.overview(days).await.map_err(AppError::internal)
        }
        .await,
    )
}
