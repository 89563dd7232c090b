//! The provider rotates its signing key while Signoff runs: a provider of
//! the test's own (the real oidc-provider, with a key made at its start) is
//! restarted on the same port with a new key, and the next sign-in works
//! without restarting Signoff.

use crate::helpers::{free_port, public_url, spawn_app_with, until_listening};
use crate::http::ScratchDir;
use crate::signin::{callback, session_cookie, through_provider_at};
use serde_json::json;
use std::process::{Child, Command, Stdio};

/// A provider of this test's own, signing with a key of its own.
struct PrivateProvider {
    issuer: String,
    port: u16,
    child: Child,
    _log_dir: ScratchDir,
}

impl PrivateProvider {
    async fn start(port: u16, key_id: &str) -> Self {
        let script = std::env::var("SIGNOFF_TEST_OIDC_PROVIDER")
            .expect("SIGNOFF_TEST_OIDC_PROVIDER is not set: run the tests with `cargo xtask test`");
        let log_dir = ScratchDir::new();
        let log = std::fs::File::create(log_dir.path().join("provider.log")).expect("log file");
        let child = Command::new("node")
            .arg(script)
            .env("OIDC_PORT", port.to_string())
            .env("OIDC_CLIENT_SECRET", "signoff-demo-secret")
            .env(
                "OIDC_REDIRECT_URIS",
                format!("{}/auth/callback", public_url()),
            )
            .env(
                "OIDC_POST_LOGOUT_REDIRECT_URIS",
                format!("{}/auth/signed-out", public_url()),
            )
            .env("OIDC_SIGNING_KEY_ID", key_id)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("node starts the provider");
        let provider = Self {
            issuer: format!("http://127.0.0.1:{port}"),
            port,
            child,
            _log_dir: log_dir,
        };
        until_listening(port, "the private provider").await;
        provider
    }

    /// The keys the provider publishes (its discovery's `jwks_uri`).
    async fn key_ids(&self) -> Vec<String> {
        let http = crate::http::Http::new();
        let jwks = http.get(&format!("{}/jwks", self.issuer), None).await;
        let jwks: serde_json::Value = serde_json::from_str(&jwks.body).expect("jwks JSON");
        jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k["kid"].as_str().expect("kid").to_owned())
            .collect()
    }

    fn stop(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

impl Drop for PrivateProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs in as lee through `provider` and returns who Signoff says she is.
async fn sign_in(
    app: &crate::helpers::TestApp,
    provider: &PrivateProvider,
) -> (u16, serde_json::Value) {
    let login = through_provider_at(&provider.issuer, app, "/auth/login", "lee", "lee-demo").await;
    let reply = callback(app, &login).await;
    if reply.status != 303 {
        return (reply.status, json!(reply.body));
    }
    let cookie = session_cookie(&reply);
    let me = app
        .http
        .post_form(&format!("{}/api/me", app.base), &[], Some(&cookie))
        .await;
    (me.status, serde_json::from_str(&me.body).expect("me JSON"))
}

#[tokio::test]
async fn a_rotated_signing_key_is_followed_without_a_restart() {
    let first = PrivateProvider::start(free_port(), "rotation-key-a").await;
    assert_eq!(first.key_ids().await, ["rotation-key-a"]);
    let issuer = first.issuer.clone();
    let app = spawn_app_with(|args| args.oidc.issuer = issuer).await;
    app.sign_out();
    let lee = json!({"name": "Lee Lead", "email": "lee@example.com", "role": "lead"});
    assert_eq!(sign_in(&app, &first).await, (200, lee.clone()));

    // The old key is gone (revoked) and a new one signs from now on.
    let port = first.stop();
    let second = PrivateProvider::start(port, "rotation-key-b").await;
    assert_eq!(second.key_ids().await, ["rotation-key-b"]);
    assert_eq!(
        sign_in(&app, &second).await,
        (200, lee),
        "a token signed with the new key is accepted by the running server"
    );
    app.stop().await;
}
