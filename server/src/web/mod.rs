//! The HTTP surface: Leptos pages and server functions, static files, the
//! audit exports, the live-update stream, a health check and a readiness check, and the layers
//! every request passes through.

mod events;
mod export;
mod ready;
mod same_origin;

use crate::auth::{self, Auth};
use app::api::SettingsView;
use app::app::{shell, App};
use app::ssr::Services;
use axum::routing::get;
use axum::{middleware, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// The whole router; tests call it without a socket or bind it themselves.
pub fn router(
    services: Services,
    settings: SettingsView,
    auth: Arc<Auth>,
    options: LeptosOptions,
    changes: tokio::sync::broadcast::Sender<crate::workers::changes::Changes>,
    shutdown: tokio_util::sync::CancellationToken,
    health: crate::workers::supervisor::Health,
) -> Router {
    let routes = generate_route_list(App);
    let services_for_export = services.clone();
    let context = move || {
        provide_context(services.clone());
        provide_context(settings.clone());
    };
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/readyz",
            ready::route(health, services_for_export.store.clone()),
        )
        .leptos_routes_with_context(&options, routes, context, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .merge(auth::router(auth.clone()))
        .merge(export::router(services_for_export))
        .merge(events::router(changes, shutdown))
        .layer(middleware::from_fn_with_state(auth, auth::identify))
        .layer(middleware::from_fn(same_origin::refuse_cross_site_writes))
        .layer(TraceLayer::new_for_http())
}
