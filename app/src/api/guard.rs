//! What every server function does first: find out who is asking (from the
//! request, as the server's auth layer left it) and whether their role
//! allows the call. Also sets the HTTP status of a failed call.

use super::AppError;
use crate::domain::actor::{Actor, Role};
use crate::ssr::Services;
use axum::http::{request::Parts, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// The signed-in actor, if their role includes `role`.
pub fn require(role: Role) -> Result<Actor, AppError> {
    let parts = use_context::<Parts>()
        .ok_or_else(|| AppError::internal("request parts missing from context"))?;
    let actor = parts
        .extensions
        .get::<Actor>()
        .cloned()
        .ok_or(AppError::Unauthenticated)?;
    if actor.has_role(role) {
        Ok(actor)
    } else {
        Err(AppError::Forbidden(format!(
            "This needs the {} role; yours is {}.",
            role.as_str(),
            actor.role.as_str()
        )))
    }
}

/// The application's services, provided by the server as context.
pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| AppError::internal("services missing from context"))
}

/// Passes a result through, answering an error with its HTTP status.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let (Err(error), Some(response)) = (&result, use_context::<ResponseOptions>()) {
        let status =
            StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        response.set_status(status);
    }
    result
}
