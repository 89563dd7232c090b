//! Who is making the request. Until OIDC sign-in arrives, every request acts
//! as the local operator (all roles); the server says so loudly at start-up.
//! Server functions read the actor from the request extensions and check
//! the role themselves, so sign-in will change this layer only.

use app::domain::actor::{Actor, Role};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

pub async fn local_operator(mut request: Request, next: Next) -> Response {
    request.extensions_mut().insert(Actor {
        subject: "local-operator".into(),
        email: None,
        display_name: "local operator".into(),
        role: Role::Admin,
    });
    next.run(request).await
}
