//! Sign-in: the OIDC login, callback and logout routes, and the layer that
//! turns a session cookie into the [`Actor`] every server function checks.
//! A signed-out visitor asking for a page is sent through sign-in and lands
//! back on that page (deep links), by a validated, relative-only path.

pub mod oidc;
pub mod sessions;

use app::domain::access::{safe_return_path, RoleMap};
use app::domain::actor::Actor;
use app::ssr::ports::{AuditRecord, Clock, ReviewStore};
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use oidc::Oidc;
use serde::Deserialize;
use sessions::{LoginAttempt, SessionStore};
use std::sync::Arc;

/// Paths that never need a session: sign-in itself, assets, server
/// functions (they answer 401 themselves), the health check.
const OPEN_PREFIXES: [&str; 5] = ["/auth/", "/api/", "/pkg/", "/healthz", "/favicon"];

pub struct Auth {
    pub oidc: Oidc,
    /// Where sign-ins and sign-outs are audited.
    pub audit: Arc<dyn ReviewStore>,
    pub sessions: SessionStore,
    pub role_map: RoleMap,
    /// Cookies get `Secure` (and the `__Host-` prefix) when served over https.
    pub secure_cookies: bool,
    pub clock: Arc<dyn Clock>,
}

impl Auth {
    fn cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-signoff_session"
        } else {
            "signoff_session"
        }
    }

    fn cookie(&self, value: &str, max_age_secs: i64) -> HeaderValue {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        let cookie = format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}",
            self.cookie_name()
        );
        HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    fn session_id<'h>(&self, headers: &'h HeaderMap) -> Option<&'h str> {
        let name = self.cookie_name();
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    }
}

pub fn router(auth: Arc<Auth>) -> Router {
    Router::new()
        .route("/auth/login", get(login))
        .route("/auth/callback", get(callback))
        .route("/auth/logout", post(logout))
        .route("/auth/signed-out", get(signed_out))
        .with_state(auth)
}

/// Puts the session's actor on the request; sends page requests without one
/// through sign-in.
pub async fn identify(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    if let Some(id) = auth.session_id(request.headers()) {
        match auth.sessions.actor(id, auth.clock.now_ms()).await {
            Ok(Some(actor)) => {
                request.extensions_mut().insert(actor);
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

#[derive(Deserialize)]
struct LoginQuery {
    return_to: Option<String>,
}

async fn login(State(auth): State<Arc<Auth>>, Query(query): Query<LoginQuery>) -> Response {
    let requested = query.return_to.unwrap_or_else(|| "/".into());
    let return_to = match safe_return_path(&requested) {
        Some(path) => path.to_owned(),
        None => {
            tracing::warn!(return_to = %requested, "refused an unsafe return path");
            "/".to_owned()
        }
    };
    let authorization = match auth.oidc.authorize().await {
        Ok(authorization) => authorization,
        Err(error) => {
            tracing::error!("sign-in cannot start: {error:#}");
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in is unavailable",
                "The sign-in provider cannot be reached right now. Try again in a minute.",
            );
        }
    };
    let attempt = LoginAttempt {
        state: authorization.state,
        nonce: authorization.nonce,
        pkce_verifier: authorization.pkce_verifier,
        return_to,
        created_at_ms: auth.clock.now_ms(),
    };
    if let Err(error) = auth.sessions.save_attempt(&attempt).await {
        tracing::error!("could not store a login attempt: {error:#}");
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sign-in failed",
            "Something went wrong on our side. Try again.",
        );
    }
    see_other(&authorization.url)
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(State(auth): State<Arc<Auth>>, Query(query): Query<CallbackQuery>) -> Response {
    const AGAIN: &str = "<a href=\"/auth/login\">Sign in again</a>.";
    if let Some(error) = query.error {
        return page(
            StatusCode::BAD_REQUEST,
            "Not signed in",
            &format!(
                "The provider did not sign you in ({}). {AGAIN}",
                escape(&error)
            ),
        );
    }
    let (Some(code), Some(state)) = (query.code, query.state) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Not signed in",
            &format!("This sign-in link is incomplete. {AGAIN}"),
        );
    };
    let now_ms = auth.clock.now_ms();
    let attempt = match auth.sessions.take_attempt(&state, now_ms).await {
        Ok(Some(attempt)) => attempt,
        Ok(None) => {
            tracing::warn!("sign-in callback with an unknown, used or expired state");
            return page(
                StatusCode::BAD_REQUEST,
                "Not signed in",
                &format!("This sign-in has expired or was already used. {AGAIN}"),
            );
        }
        Err(error) => {
            tracing::error!("could not read a login attempt: {error:#}");
            return page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Not signed in",
                &format!("Something went wrong on our side. {AGAIN}"),
            );
        }
    };
    let identity = match auth
        .oidc
        .identify(&code, &attempt.nonce, &attempt.pkce_verifier)
        .await
    {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!("sign-in refused: {error:#}");
            return page(
                StatusCode::BAD_REQUEST,
                "Not signed in",
                &format!("The provider's answer did not check out. {AGAIN}"),
            );
        }
    };
    let label = identity
        .email
        .clone()
        .unwrap_or_else(|| identity.subject.clone());
    let Some(role) = auth.role_map.role_for(&identity.groups) else {
        tracing::warn!(subject = %identity.subject, groups = ?identity.groups, "signed in without a Signoff role");
        return page(
            StatusCode::FORBIDDEN,
            "No access",
            &format!("You are signed in as {}, but none of your groups gives you a role in Signoff. Ask an administrator.", escape(&label)),
        );
    };
    let actor = Actor {
        display_name: identity.name.clone().unwrap_or_else(|| label.clone()),
        subject: identity.subject,
        email: identity.email,
        role,
        groups: identity.groups,
    };
    match auth
        .sessions
        .create(&actor, Some(&identity.id_token), now_ms)
        .await
    {
        Ok(session) => {
            tracing::info!(subject = %actor.subject, role = role.as_str(), "signed in");
            let entry = AuditRecord::by(&actor, now_ms, "signed in", None, None);
            if let Err(error) = auth.audit.record(&entry).await {
                tracing::error!("could not audit a sign-in: {error}");
            }
            let max_age = (auth.sessions_absolute_ms() / 1000).max(1);
            let mut response = see_other(&attempt.return_to);
            response
                .headers_mut()
                .append(header::SET_COOKIE, auth.cookie(&session, max_age));
            response
        }
        Err(error) => {
            tracing::error!("could not create a session: {error:#}");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Not signed in",
                &format!("Something went wrong on our side. {AGAIN}"),
            )
        }
    }
}

async fn logout(State(auth): State<Arc<Auth>>, headers: HeaderMap) -> Response {
    let mut id_token = None;
    if let Some(id) = auth.session_id(&headers) {
        let now_ms = auth.clock.now_ms();
        if let Ok(Some(actor)) = auth.sessions.actor(id, now_ms).await {
            if let Err(error) = auth
                .audit
                .record(&AuditRecord::by(&actor, now_ms, "signed out", None, None))
                .await
            {
                tracing::error!("could not audit a sign-out: {error}");
            }
        }
        id_token = auth.sessions.end(id).await.unwrap_or_else(|error| {
            tracing::error!("could not end a session: {error:#}");
            None
        });
    }
    let target = auth
        .oidc
        .logout_url(id_token.as_deref())
        .await
        .unwrap_or_else(|| "/auth/signed-out".to_owned());
    let mut response = see_other(&target);
    response
        .headers_mut()
        .append(header::SET_COOKIE, auth.cookie("", 0));
    response
}

async fn signed_out() -> Response {
    page(
        StatusCode::OK,
        "Signed out",
        "You are signed out of Signoff. <a href=\"/auth/login\">Sign in again</a>.",
    )
}

impl Auth {
    fn sessions_absolute_ms(&self) -> i64 {
        self.sessions.lifetimes().absolute_ms
    }
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "bad redirect").into_response(),
    }
}

/// A small stand-alone page for the sign-in flow (outside the Leptos app).
fn page(status: StatusCode, title: &str, body_html: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" href=\"/favicon.svg\"><link rel=\"stylesheet\" href=\"/pkg/signoff.css\">\
         <title>{title} · Signoff</title></head><body><main><h1>{title}</h1><p>{body_html}</p></main></body></html>"
    );
    (status, Html(html)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
