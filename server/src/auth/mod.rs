//! Sign-in: the OIDC login, callback and logout routes, and the layer that
//! turns a session cookie into the [`Actor`] every server function checks.
//! A signed-out visitor asking for a page is sent through sign-in and lands
//! back on that page (deep links), by a validated, relative-only path. A
//! login is bound to the browser that started it (a secret in a short-lived
//! cookie, its hash kept with the attempt), so a callback link handed to
//! someone else signs nobody in.

mod login;
pub mod oidc;
pub mod sessions;
mod watch;

pub use watch::{SessionWatch, SESSION_CHECK_EVERY};

use app::domain::access::RoleMap;
use app::domain::actor::Actor;
use app::ssr::ports::{Clock, People, ReviewStore};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use oidc::Oidc;
use sessions::{sha256, Sessions};
use std::sync::Arc;

/// Paths that never need a session: sign-in itself, assets, server
/// functions (they answer 401 themselves), the health and readiness checks,
/// and the benchmark's bare page (404 unless `--bench-bare-page`).
const OPEN_PREFIXES: [&str; 7] = [
    "/auth/",
    "/api/",
    "/pkg/",
    "/healthz",
    "/readyz",
    "/favicon",
    "/bench/bare",
];

pub struct Auth {
    pub oidc: Oidc,
    /// Where sign-ins and sign-outs are audited.
    pub audit: Arc<dyn ReviewStore>,
    /// The people directory, written at each sign-in.
    pub people: Arc<dyn People>,
    pub sessions: Sessions,
    pub role_map: RoleMap,
    /// Cookies get `Secure` (and the `__Host-` prefix) when served over https.
    pub secure_cookies: bool,
    pub clock: Arc<dyn Clock>,
}

impl Auth {
    pub(crate) fn cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-signoff_session"
        } else {
            "signoff_session"
        }
    }

    /// The binding cookie of the login with this `state`: one per attempt,
    /// so two tabs signing in at once do not undo each other.
    pub(crate) fn login_cookie_name(&self, state: &str) -> String {
        let prefix = if self.secure_cookies { "__Host-" } else { "" };
        format!("{prefix}signoff_login_{}", &sha256(state)[..16])
    }

    pub(crate) fn cookie(&self, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        let cookie = format!(
            "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
        );
        HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    pub(crate) fn session_id<'h>(&self, headers: &'h HeaderMap) -> Option<&'h str> {
        cookie_value(headers, self.cookie_name())
    }
}

pub(crate) fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

pub fn router(auth: Arc<Auth>) -> Router {
    login::routes().with_state(auth)
}

/// Puts the session's actor on the request; sends page requests without one
/// through sign-in.
pub async fn identify(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    if let Some(id) = auth.session_id(request.headers()).map(str::to_owned) {
        match auth
            .sessions
            .actor(&id, auth.clock.now_ms(), &auth.role_map)
            .await
        {
            Ok(Some(actor)) => {
                request.extensions_mut().insert(actor);
                request
                    .extensions_mut()
                    .insert(SessionWatch::new(auth.clone(), id));
            }
            Ok(None) => {}
            Err(error) => tracing::error!("could not read a session: {error:#}"),
        }
    }
    let path = request.uri().path();
    let open = OPEN_PREFIXES.iter().any(|prefix| path.starts_with(prefix));
    if request.extensions().get::<Actor>().is_none()
        && !open
        && request.method() == axum::http::Method::GET
    {
        let wanted = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("return_to", wanted)
            .finish();
        return see_other(&format!("/auth/login?{query}"));
    }
    next.run(request).await
}

pub(crate) fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "bad redirect").into_response(),
    }
}
