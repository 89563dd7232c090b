//! Sign-in through the real OpenID provider (npm oidc-provider, started by
//! `cargo xtask test`): a minimal browser follows the provider's redirects
//! and fills in its login form; Signoff's callback then gets real tokens.

use crate::helpers::{provider_issuer, public_url, spawn_app, spawn_app_with, TestApp};
use serde_json::json;

fn issuer() -> String {
    provider_issuer()
        .expect("SIGNOFF_TEST_OIDC_ISSUER is not set: run the tests with `cargo xtask test`")
}

/// A login the provider has answered: the query it sends back to the
/// callback, and the login cookie Signoff gave the browser that started it.
pub struct Login {
    pub query: String,
    pub cookie: String,
}

/// Starts at Signoff's `start` path and signs in at the provider as
/// `username`, as one browser would.
pub async fn through_provider(app: &TestApp, start: &str, username: &str, password: &str) -> Login {
    through_provider_at(&issuer(), app, start, username, password).await
}

/// Signs the demo user `username` in through the provider's login form,
/// so Signoff records them as a person too; the session cookie
/// (`name=value`).
pub async fn signed_in(app: &TestApp, username: &str) -> String {
    let login = through_provider(app, "/auth/login", username, &format!("{username}-demo")).await;
    let reply = callback(app, &login).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    session_cookie(&reply)
}

/// The same, through the provider at `issuer` (a test's own provider).
pub async fn through_provider_at(
    issuer: &str,
    app: &TestApp,
    start: &str,
    username: &str,
    password: &str,
) -> Login {
    let reply = app.http.get(&format!("{}{start}", app.base), None).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let cookie = reply
        .set_cookies
        .iter()
        .find(|c| c.starts_with("signoff_login_"))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
        .expect("a login cookie");
    assert!(
        reply
            .set_cookies
            .iter()
            .any(|c| c.contains("HttpOnly") && c.contains("Max-Age=600")),
        "{:?}",
        reply.set_cookies
    );
    let mut url = reply.location.expect("a redirect to the provider");
    let mut jar: Vec<(String, String)> = Vec::new();
    let callback = format!("{}/auth/callback?", public_url());
    for _ in 0..20 {
        if let Some(query) = url.strip_prefix(&callback) {
            return Login {
                query: query.to_owned(),
                cookie,
            };
        }
        let cookie = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut reply = app.http.get(&url, Some(&cookie)).await;
        keep_cookies(&mut jar, &reply.set_cookies);
        if reply.status == 200 && reply.body.contains("name=\"password\"") {
            let action = between(&reply.body, "action=\"", "\"").expect("a form action");
            let cookie = jar
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let form = [("username", username), ("password", password)];
            reply = app
                .http
                .post_form(&absolute(issuer, &action), &form, Some(&cookie))
                .await;
            keep_cookies(&mut jar, &reply.set_cookies);
        }
        url = absolute(
            issuer,
            &reply
                .location
                .unwrap_or_else(|| panic!("stuck at {url}: {} {}", reply.status, reply.body)),
        );
    }
    panic!("the provider never sent the browser back");
}

fn absolute(issuer: &str, location: &str) -> String {
    if location.starts_with('/') {
        format!("{issuer}{location}")
    } else {
        location.replace("&amp;", "&")
    }
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(text[from..to].replace("&amp;", "&"))
}

fn keep_cookies(jar: &mut Vec<(String, String)>, set_cookies: &[String]) {
    for header in set_cookies {
        let pair = header.split(';').next().unwrap_or_default();
        if let Some((name, value)) = pair.split_once('=') {
            jar.retain(|(k, _)| k != name);
            jar.push((name.to_owned(), value.to_owned()));
        }
    }
}

/// The provider's answer arriving at Signoff, in the browser that started it.
pub async fn callback(app: &TestApp, login: &Login) -> crate::http::Reply {
    app.http
        .get(
            &format!("{}/auth/callback?{}", app.base, login.query),
            Some(&login.cookie),
        )
        .await
}

pub fn session_cookie(reply: &crate::http::Reply) -> String {
    let header = reply
        .set_cookies
        .iter()
        .find(|c| c.starts_with("signoff_session="))
        .expect("a session cookie");
    assert!(
        header.contains("HttpOnly") && header.contains("SameSite=Lax"),
        "{header}"
    );
    header.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn signing_in_lands_back_on_the_deep_link_with_the_right_role() {
    let app = spawn_app().await;
    app.sign_out();
    let query = through_provider(
        &app,
        "/auth/login?return_to=%2Freviews%2Fabc",
        "lee",
        "lee-demo",
    )
    .await;
    let reply = callback(&app, &query).await;
    assert_eq!(
        (reply.status, reply.location.as_deref()),
        (303, Some("/reviews/abc")),
        "{}",
        reply.body
    );
    let cookie = session_cookie(&reply);
    let me = app
        .http
        .post_form(&format!("{}/api/me", app.base), &[], Some(&cookie))
        .await;
    let me: serde_json::Value = serde_json::from_str(&me.body).unwrap();
    assert_eq!(
        me,
        json!({"name": "Lee Lead", "email": "lee@example.com", "role": "lead"})
    );
    app.stop().await;
}

#[tokio::test]
async fn a_replayed_callback_is_refused() {
    let app = spawn_app().await;
    let query = through_provider(&app, "/auth/login", "ada", "ada-demo").await;
    assert_eq!(callback(&app, &query).await.status, 303);
    let replay = callback(&app, &query).await;
    assert_eq!(replay.status, 400);
    assert!(
        replay.body.contains("expired or was already used"),
        "{}",
        replay.body
    );
    assert!(replay.set_cookies.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_callback_without_the_browsers_login_cookie_is_refused() {
    let app = spawn_app().await;
    // Someone signs in as themselves and hands the callback link to ada
    // (login CSRF): her browser never started that login.
    let theirs = through_provider(&app, "/auth/login", "bob", "bob-demo").await;
    let elsewhere = app
        .http
        .get(
            &format!("{}/auth/callback?{}", app.base, theirs.query),
            None,
        )
        .await;
    assert_eq!(elsewhere.status, 400, "{}", elsewhere.body);
    assert!(
        elsewhere.body.contains("started in another browser"),
        "{}",
        elsewhere.body
    );
    assert!(!elsewhere
        .set_cookies
        .iter()
        .any(|c| c.starts_with("signoff_session=") && !c.contains("Max-Age=0")));
    // A cookie of the right name with another browser's secret is no better.
    let mine = through_provider(&app, "/auth/login", "bob", "bob-demo").await;
    let name = mine.cookie.split('=').next().unwrap().to_owned();
    let wrong = Login {
        query: mine.query.clone(),
        cookie: format!("{name}=not-the-secret"),
    };
    assert_eq!(callback(&app, &wrong).await.status, 400);
    assert_eq!(
        app.probe.sessions_of("user-bob").await,
        0,
        "nobody was signed in"
    );
    // The browser that started a login finishes it.
    let again = through_provider(&app, "/auth/login", "bob", "bob-demo").await;
    let reply = callback(&app, &again).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(
        reply.set_cookies.iter().any(|c| c
            .starts_with(&format!("{}=;", again.cookie.split('=').next().unwrap()))
            && c.contains("Max-Age=0")),
        "the login cookie is cleared: {:?}",
        reply.set_cookies
    );
    app.stop().await;
}

#[tokio::test]
async fn a_callback_with_a_forged_state_is_refused() {
    let app = spawn_app().await;
    let query = through_provider(&app, "/auth/login", "ada", "ada-demo").await;
    let forged: String = query
        .query
        .split('&')
        .map(|pair| {
            if pair.starts_with("state=") {
                "state=forged".to_owned()
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    let forged = Login {
        query: forged,
        cookie: query.cookie.clone(),
    };
    let reply = callback(&app, &forged).await;
    assert_eq!(reply.status, 400);
    assert!(reply.set_cookies.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn an_id_token_for_another_nonce_is_refused() {
    let app = spawn_app().await;
    let query = through_provider(&app, "/auth/login", "ada", "ada-demo").await;
    app.probe
        .replace_login_nonces("not-the-nonce-we-sent")
        .await;
    let reply = callback(&app, &query).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("did not check out"), "{}", reply.body);
    assert_eq!(app.probe.sessions_with_id_token("user-ada").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_return_path_to_another_site_is_replaced_by_the_queue() {
    let app = spawn_app().await;
    for evil in [
        "%2F%2Fevil.example%2Fx",
        "https%3A%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let query = through_provider(
            &app,
            &format!("/auth/login?return_to={evil}"),
            "ada",
            "ada-demo",
        )
        .await;
        let reply = callback(&app, &query).await;
        assert_eq!(
            (reply.status, reply.location.as_deref()),
            (303, Some("/")),
            "{evil}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_provider_answering_for_another_issuer_is_refused() {
    // Same provider, reached under a name that is not its issuer.
    let wrong = issuer().replace("127.0.0.1", "localhost");
    let app = spawn_app_with(|args| args.oidc.issuer = wrong).await;
    let reply = app
        .http
        .get(&format!("{}/auth/login", app.base), None)
        .await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(reply.body.contains("cannot be reached"), "{}", reply.body);
    app.stop().await;
}

#[tokio::test]
async fn signing_out_ends_the_session_here_and_at_the_provider() {
    let app = spawn_app().await;
    let query = through_provider(&app, "/auth/login", "ada", "ada-demo").await;
    let cookie = session_cookie(&callback(&app, &query).await);
    let logout = app
        .http
        .post_form(&format!("{}/auth/logout", app.base), &[], Some(&cookie))
        .await;
    assert_eq!(logout.status, 303);
    let target = logout.location.unwrap();
    assert!(
        target.starts_with(&format!("{}/session/end?", issuer())),
        "{target}"
    );
    assert!(target.contains("id_token_hint="), "{target}");
    assert!(target.contains("post_logout_redirect_uri="), "{target}");
    assert!(logout
        .set_cookies
        .iter()
        .any(|c| c.starts_with("signoff_session=;") && c.contains("Max-Age=0")));
    let after = app
        .http
        .post_form(&format!("{}/api/queue", app.base), &[], Some(&cookie))
        .await;
    assert_eq!(after.status, 401, "the old cookie no longer works");
    assert_eq!(
        app.probe.audit_by_subject("user-ada", "signed").await,
        [
            ("signed in".to_owned(), Some("reviewer".to_owned())),
            ("signed out".to_owned(), Some("reviewer".to_owned()))
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_tampered_id_token_is_refused() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let app = spawn_app().await;
    let query = through_provider(&app, "/auth/login", "ada", "ada-demo").await;
    assert_eq!(callback(&app, &query).await.status, 303);
    let token = app.probe.an_id_token().await;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let nonce = claims["nonce"].as_str().unwrap().to_owned();
    // Ada tries to promote herself to admin.
    claims["groups"] = json!(["signoff-admins"]);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );

    let oidc = server::auth::oidc::Oidc::new(server::auth::oidc::OidcSettings {
        issuer: issuer(),
        client_id: "signoff".into(),
        client_secret: "signoff-demo-secret".into(),
        redirect_url: format!("{}/auth/callback", public_url()),
        post_logout_url: format!("{}/auth/signed-out", public_url()),
        groups_claim: "groups".into(),
        username_claims: vec!["preferred_username".into()],
    })
    .unwrap();
    let genuine = oidc
        .verify(&token, &nonce)
        .await
        .expect("the genuine token verifies");
    assert_eq!(genuine.groups, ["ml-reviewers"]);
    let refused = oidc
        .verify(&tampered, &nonce)
        .await
        .expect_err("a tampered token must not verify");
    assert!(refused.to_string().contains("did not verify"), "{refused}");
    app.stop().await;
}

#[tokio::test]
async fn a_cross_site_decision_is_refused() {
    let app = spawn_app().await;
    let cookie = app.cookie.lock().unwrap().clone();
    let reply = app
        .http
        .send(
            "POST",
            &format!("{}/api/decide", app.base),
            Some("application/x-www-form-urlencoded"),
            "id=x&verdict=approve&comment=".into(),
            cookie.as_deref(),
        )
        .await;
    assert_eq!(
        reply.status, 404,
        "same-site (no Origin) reaches the function: {}",
        reply.body
    );
    let forged = app
        .http
        .send_from(
            "https://evil.example",
            &format!("{}/api/decide", app.base),
            "id=x&verdict=approve&comment=",
            cookie.as_deref(),
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    app.stop().await;
}
