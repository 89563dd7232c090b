//! The sign-in routes: start a login at the provider (bound to this browser
//! by a secret in a short-lived cookie), finish it on the callback (the
//! same browser only, once, within ten minutes), sign out here and at the
//! provider.

use super::oidc::Identity;
use super::sessions::{random_secret, sha256, LoginAttempt};
use super::{cookie_value, see_other, Auth};
use app::domain::access::safe_return_path;
use app::domain::actor::Actor;
use app::domain::audit_action::Action;
use app::ssr::ports::AuditRecord;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// How long the browser keeps a login's binding cookie: as long as the
/// attempt itself is valid.
const LOGIN_COOKIE_SECONDS: i64 = 600;

/// The sign-in routes, for [`super::router`].
pub(super) fn routes() -> Router<Arc<Auth>> {
    Router::new()
        .route("/auth/login", get(login))
        .route("/auth/callback", get(callback))
        .route("/auth/logout", post(logout))
        .route("/auth/signed-out", get(signed_out))
}

const AGAIN: &str = "<a href=\"/auth/login\">Sign in again</a>.";

#[derive(Deserialize)]
struct LoginQuery {
    return_to: Option<String>,
}

async fn login(State(auth): State<Arc<Auth>>, Query(query): Query<LoginQuery>) -> Response {
    let requested = query.return_to.unwrap_or_else(|| "/".into());
    let return_to = match safe_return_path(&requested) {
        Some(path) => path.to_owned(),
        None => {
            tracing::warn!(return_to = ?requested, "refused an unsafe return path");
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
    let browser_secret = random_secret();
    let login_cookie = auth.login_cookie_name(&authorization.state);
    let attempt = LoginAttempt {
        state: authorization.state,
        nonce: authorization.nonce,
        pkce_verifier: authorization.pkce_verifier,
        return_to,
        created_at_ms: auth.clock.now_ms(),
        browser_secret_sha256: sha256(&browser_secret),
    };
    if let Err(error) = auth.sessions.save_attempt(&attempt).await {
        tracing::error!("could not store a login attempt: {error:#}");
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sign-in failed",
            "Something went wrong on our side. Try again.",
        );
    }
    let mut response = see_other(&authorization.url);
    response.headers_mut().append(
        header::SET_COOKIE,
        auth.cookie(&login_cookie, &browser_secret, LOGIN_COOKIE_SECONDS),
    );
    response
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(auth): State<Arc<Auth>>,
    Query(query): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Response {
    if let Some(error) = query.error {
        let text = format!("The provider did not sign you in ({}).", escape(&error));
        return not_signed_in(StatusCode::BAD_REQUEST, &text);
    }
    let (Some(code), Some(state)) = (query.code, query.state) else {
        return not_signed_in(StatusCode::BAD_REQUEST, "This sign-in link is incomplete.");
    };
    let now_ms = auth.clock.now_ms();
    let attempt = match auth.sessions.take_attempt(&state, now_ms).await {
        Ok(Some(attempt)) => attempt,
        Ok(None) => {
            tracing::warn!("sign-in callback with an unknown, used or expired state");
            let text = "This sign-in has expired or was already used.";
            return not_signed_in(StatusCode::BAD_REQUEST, text);
        }
        Err(error) => {
            tracing::error!("could not read a login attempt: {error:#}");
            return our_fault();
        }
    };
    let login_cookie = auth.login_cookie_name(&state);
    if !started_here(&headers, &login_cookie, &attempt) {
        tracing::warn!("sign-in callback from a browser that did not start the login");
        let text = "This sign-in was started in another browser, or this browser did not keep \
                    its sign-in cookie.";
        let mut response = not_signed_in(StatusCode::BAD_REQUEST, text);
        response
            .headers_mut()
            .append(header::SET_COOKIE, auth.cookie(&login_cookie, "", 0));
        return response;
    }
    let identity = match auth
        .oidc
        .identify(&code, &attempt.nonce, &attempt.pkce_verifier)
        .await
    {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!("sign-in refused: {error:#}");
            let text = "The provider's answer did not check out.";
            return not_signed_in(StatusCode::BAD_REQUEST, text);
        }
    };
    let Some(actor) = actor_of(&auth, &identity) else {
        let label = identity.email.as_deref().unwrap_or(&identity.subject);
        tracing::warn!(subject = %identity.subject, groups = ?identity.groups, "signed in without a Signoff role");
        return page(
            StatusCode::FORBIDDEN,
            "No access",
            &format!("You are signed in as {}, but none of your groups gives you a role in Signoff. Ask an administrator.", escape(label)),
        );
    };
    match start_session(&auth, &actor, &identity.id_token, now_ms).await {
        Some(session) => {
            let max_age = (auth.sessions_absolute_ms() / 1000).max(1);
            let mut response = see_other(&attempt.return_to);
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                auth.cookie(auth.cookie_name(), &session, max_age),
            );
            headers.append(header::SET_COOKIE, auth.cookie(&login_cookie, "", 0));
            response
        }
        None => our_fault(),
    }
}

/// Whether the callback comes from the browser that started the login: it
/// presents the secret whose hash the attempt keeps (compared in constant
/// time).
fn started_here(headers: &HeaderMap, login_cookie: &str, attempt: &LoginAttempt) -> bool {
    cookie_value(headers, login_cookie).is_some_and(|secret| {
        let presented = sha256(secret);
        bool::from(
            presented
                .as_bytes()
                .ct_eq(attempt.browser_secret_sha256.as_bytes()),
        )
    })
}

/// The person the provider vouched for, with the role their groups give
/// them; `None` when no group maps to a role.
fn actor_of(auth: &Auth, identity: &Identity) -> Option<Actor> {
    let role = auth.role_map.role_for(&identity.groups)?;
    let label = identity.email.as_ref().unwrap_or(&identity.subject);
    Some(Actor {
        display_name: identity.name.clone().unwrap_or_else(|| label.clone()),
        subject: identity.subject.clone(),
        email: identity.email.clone(),
        email_verified: identity.email_verified != Some(false),
        usernames: identity.usernames.clone(),
        role,
        groups: identity.groups.clone(),
    })
}

/// Stores a session for `actor`, audits the sign-in and records the person
/// in the directory; the cookie value.
async fn start_session(auth: &Auth, actor: &Actor, id_token: &str, now_ms: i64) -> Option<String> {
    let session = match auth.sessions.create(actor, Some(id_token), now_ms).await {
        Ok(session) => session,
        Err(error) => {
            tracing::error!("could not create a session: {error:#}");
            return None;
        }
    };
    tracing::info!(subject = %actor.subject, role = actor.role.as_str(), "signed in");
    let entry = AuditRecord::by(actor, now_ms, Action::SignedIn, None, None);
    if let Err(error) = auth.audit.record(&entry).await {
        tracing::error!("could not audit a sign-in: {error}");
    }
    // The directory only maps chat clicks and group escalations to people:
    // a failure to write it must not keep anyone out of the browser.
    if let Err(error) = auth.people.record_sign_in(actor, now_ms).await {
        tracing::error!(subject = %actor.subject, "could not record a signed-in person: {error}");
    }
    Some(session)
}

fn not_signed_in(status: StatusCode, text: &str) -> Response {
    page(status, "Not signed in", &format!("{text} {AGAIN}"))
}

fn our_fault() -> Response {
    not_signed_in(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side.",
    )
}

async fn logout(State(auth): State<Arc<Auth>>, headers: HeaderMap) -> Response {
    let mut id_token = None;
    if let Some(id) = auth.session_id(&headers) {
        let now_ms = auth.clock.now_ms();
        if let Ok(Some(actor)) = auth.sessions.actor(id, now_ms, &auth.role_map).await {
            if let Err(error) = auth
                .audit
                .record(&AuditRecord::by(
                    &actor,
                    now_ms,
                    Action::SignedOut,
                    None,
                    None,
                ))
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
        .append(header::SET_COOKIE, auth.cookie(auth.cookie_name(), "", 0));
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
