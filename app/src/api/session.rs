//! Server functions about the person using the page.

use super::{AppError, UserView};
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
