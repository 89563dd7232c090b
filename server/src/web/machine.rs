//! The machine part of the router: what other systems call (health and
//! readiness probes, Slack's interaction callback; the intake API later). No
//! sessions, no pages: its errors are a small JSON object, and its
//! callers authenticate themselves per route.

use super::refusal::Refusal;
use super::slack::SlackInteractions;
use super::Edge;
use crate::workers::supervisor::Health;
use app::ssr::ports::ReviewStore;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// The machine routes with their layers.
pub fn router(
    edge: &Edge,
    health: Health,
    store: Arc<dyn ReviewStore>,
    slack: Option<Arc<SlackInteractions>>,
) -> Router {
    Router::new()
        // Liveness: the process answers. Readiness: the workers are up and
        // the database answers.
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", super::ready::route(health, store))
        .merge(super::slack::route(slack))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            edge.request_timeout,
        ))
        .layer(RequestBodyLimitLayer::new(edge.max_body_bytes))
        .layer(middleware::from_fn(refusals_as_json))
}

/// The machine part's error: `{"error": "…"}` with its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineError {
    pub status: StatusCode,
    pub message: String,
}

impl IntoResponse for MachineError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

/// The limit layers' bare refusals, in the machine part's error format.
async fn refusals_as_json(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    match Refusal::recognise(&response) {
        Some(refusal) => {
            let body = json!({ "error": refusal.message() }).to_string();
            refusal.answer("application/json", body)
        }
        None => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn errors_are_small_json_objects() {
        let response = MachineError {
            status: StatusCode::UNAUTHORIZED,
            message: "a service key is required".into(),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], br#"{"error":"a service key is required"}"#);
    }
}
