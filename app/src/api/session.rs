//! Server functions about the person using the page and the deployment.

use super::{AppError, SettingsView, UserView};
use leptos::server;

/// Who is signed in, or `None`. The one server function that answers
/// without a session (the page header asks before anything else).
#[server(endpoint = "me")]
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
#[server(endpoint = "settings")]
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
