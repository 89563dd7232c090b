//! Who is signed in: the one server function that answers without a
//! session (the page header asks before anything else).

use super::{AppError, JsonAnswer};
use leptos::server;
use serde::{Deserialize, Serialize};

/// The signed-in person, for the page header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub name: String,
    pub email: Option<String>,
    pub role: crate::domain::actor::Role,
}

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
