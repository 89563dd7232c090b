//! The browser part of the router: Leptos pages and server functions,
//! sign-in and sessions, the audit exports, the live-update stream and the
//! static files, behind the same-origin check, the session layer and the
//! per-address rate limits on sign-in and decisions. Its errors are pages,
//! words, or (for server functions) the `AppError` the page decodes.

use super::refusal::Refusal;
use super::{events, export, headers, limits, same_origin, Edge};
use crate::auth::{self, Auth};
use crate::workers::changes::Changes;
use app::api::{AppError, SettingsView};
use app::app::{shell, App};
use app::ssr::Services;
use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;
use tower_http::timeout::TimeoutLayer;

/// What the browser part serves.
pub struct BrowserApp {
    pub services: Services,
    pub settings: SettingsView,
    pub auth: Arc<Auth>,
    pub options: LeptosOptions,
    pub changes: broadcast::Sender<Changes>,
    pub shutdown: CancellationToken,
}

/// The app's routes, listed once per process. Listing them renders the app
/// with resource loading suppressed for the whole process (leptos_server's
/// `SuppressResourceLoad` is one global flag, leptos issue #4773): a page
/// rendered by another server in the process while a second listing ran
/// would wait for its data forever. Tests start many servers in one
/// process; listing once, before any of them serves a page, rules it out.
fn app_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: OnceLock<Vec<leptos_axum::AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The browser routes with their layers.
pub fn router(app: BrowserApp, edge: &Edge) -> Router {
    let (services, settings, options) = (app.services, app.settings, app.options);
    let routes = app_routes();
    let services_for_export = services.clone();
    let context = move || {
        provide_context(services.clone());
        provide_context(settings.clone());
        headers::page_nonce();
    };
    let pkg = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    // The bundle may be cached, but asked for again before each use: its
    // file names do not change between releases.
    let pkg = SetResponseHeader::overriding(
        ServeDir::new(pkg).precompressed_gzip().precompressed_br(),
        CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    );
    let pages = Router::new()
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context, shell,
        ))
        .with_state(options)
        .merge(auth::router(app.auth.clone()))
        .merge(export::router(services_for_export))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            edge.request_timeout,
        ))
        // Past the timeout: a live stream lasts as long as its page.
        .merge(events::router(
            app.changes,
            app.shutdown,
            edge.streams.clone(),
        ))
        .nest_service("/pkg", pkg)
        .layer(middleware::from_fn_with_state(app.auth, auth::identify))
        .layer(middleware::from_fn_with_state(
            edge.public_origin.clone(),
            same_origin::refuse_cross_site_writes,
        ));
    // Leptos registers the server functions' routes itself, so the limited
    // paths are routed (by path, again) to the same router, inside their
    // limit. (`route_service` refuses a `Router`, hence `into_service`.)
    let sign_in = Router::new()
        .route_service("/auth/login", pages.clone().into_service())
        .route_layer(limits::layer(&edge.login_limit));
    let decisions = Router::new()
        .route_service("/api/decide", pages.clone().into_service())
        .route_service("/api/decide_many", pages.clone().into_service())
        .route_layer(limits::layer(&edge.decision_limit));
    sign_in
        .merge(decisions)
        .fallback_service(pages)
        .layer(RequestBodyLimitLayer::new(edge.max_body_bytes))
        .layer(middleware::from_fn(refusals_in_words))
}

/// The limit layers' bare refusals, in words: for a server function, as
/// the `AppError` its page shows; otherwise as plain text.
async fn refusals_in_words(request: Request, next: Next) -> Response {
    let server_function = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let Some(refusal) = Refusal::recognise(&response) else {
        return response;
    };
    let message = refusal.message();
    if server_function {
        let error = serde_json::to_string(&AppError::Refused(message.clone()));
        refusal.answer("application/json", error.unwrap_or(message))
    } else {
        refusal.answer("text/plain; charset=utf-8", message)
    }
}
