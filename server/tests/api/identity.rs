//! Identities that cannot be spoofed, through the real OpenID provider: a
//! person is compared with a review's requester by what the provider
//! vouches for, approving fails closed when Signoff cannot tell, a session's
//! role follows the current role map, and nothing outlives its session.

use crate::helpers::{sample_review, spawn_app, spawn_app_with, TestApp, ROOT};
use crate::http::open_stream;
use crate::signin::signed_in;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::time::Duration;

async fn me(app: &TestApp, base: &str, cookie: &str) -> (u16, Value) {
    let reply = app
        .http
        .post_form(&format!("{base}/api/me"), &[], Some(cookie))
        .await;
    (
        reply.status,
        serde_json::from_str(&reply.body).expect("JSON"),
    )
}

fn requested_by(name: &str) -> Value {
    let mut review = sample_review();
    review["requestedBy"] = json!(name);
    review
}

#[tokio::test]
async fn a_person_without_an_email_claim_cannot_approve_a_review_naming_them() {
    let app = spawn_app().await;
    // noor's ID token has a username (preferred_username) but no email.
    let cookie = signed_in(&app, "noor").await;
    let (_, by_username) = app.new_review(&requested_by("noor"), &json!({})).await;
    let (_, by_address) = app
        .new_review(&requested_by("noor@example.com"), &json!({}))
        .await;
    let (_, by_a_bot) = app.new_review(&requested_by("ci-bot"), &json!({})).await;
    app.use_cookie(&cookie);
    let (_, who) = me(&app, &app.base, &cookie).await;
    assert_eq!(
        who["email"],
        Value::Null,
        "the provider sent no email: {who}"
    );

    let (status, body) = app.decide(&by_username, "approve", "").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["Forbidden"],
        "You requested this review, so someone else has to approve it."
    );

    // An address cannot be compared with a person who has none: fail closed,
    // and the page says why before anyone presses the button.
    let (status, body) = app.decide(&by_address, "approve", "").await;
    assert_eq!(status, 403, "{body}");
    let why =
        "This review was requested by noor@example.com, and your sign-in carries no verified \
               e-mail or username to compare with that name, so Signoff cannot rule out that it is \
               you. Someone else has to approve it.";
    assert_eq!(body["Forbidden"], why);
    assert_eq!(app.review(&by_address).await["cannot_approve"], why);

    // Someone else's request (a name her username can be compared with) is hers to approve.
    let (status, body) = app.decide(&by_a_bot, "approve", "").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("approved")),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_session_gets_the_role_the_current_role_map_gives_its_groups() {
    let first = spawn_app().await;
    let cookie = signed_in(&first, "val").await;
    assert_eq!(me(&first, &first.base, &cookie).await.1["role"], "viewer");

    // The platform team changes the role map and restarts (a second server
    // on the same database stands in for the restarted one).
    let database_url = first.database_url.clone();
    let promoted = spawn_app_with(|args| {
        args.database_url = database_url.clone();
        args.oidc.role_map = Some("ml-viewers=reviewer,ml-reviewers=reviewer".into());
    })
    .await;
    assert_eq!(
        me(&promoted, &promoted.base, &cookie).await.1["role"],
        "reviewer"
    );
    promoted.stop().await;

    // A role map that no longer maps the group ends the session.
    let removed = spawn_app_with(|args| {
        args.database_url = database_url.clone();
        args.oidc.role_map = Some("ml-reviewers=reviewer".into());
    })
    .await;
    assert_eq!(
        me(&removed, &removed.base, &cookie).await,
        (200, Value::Null)
    );
    assert_eq!(
        removed.probe.sessions_of("user-val").await,
        0,
        "the session was ended"
    );
    removed.stop().await;
    first.stop().await;
}

#[tokio::test]
async fn serve_without_a_role_map_exits_with_a_clear_error() {
    let run = |role_map: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_signoff"));
        command
            .arg("serve")
            .env_clear()
            .env("SIGNOFF_OIDC_ISSUER", "http://127.0.0.1:9")
            .env("SIGNOFF_OIDC_CLIENT_SECRET", "unused")
            .env("DATABASE_URL", "sqlite::memory:")
            .env("SIGNOFF_LISTEN", "127.0.0.1:0");
        if let Some(map) = role_map {
            command.env("SIGNOFF_ROLE_MAP", map);
        }
        let output = command.output().expect("signoff runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(None);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("--role-map (or SIGNOFF_ROLE_MAP) is required"),
        "{stderr}"
    );
    let (code, stderr) = run(Some(" , "));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("maps no group to a role, so nobody could sign in"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_live_stream_ends_with_its_session() {
    let app = spawn_app().await;
    let cookie = app.cookie.lock().unwrap().clone().expect("signed in");
    let response = open_stream(&format!("{}/api/events", app.base), &cookie).await;
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();

    let logout = app
        .http
        .post_form(&format!("{}/auth/logout", app.base), &[], Some(&cookie))
        .await;
    assert_eq!(logout.status, 303);
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(frame) = body.frame().await {
            if frame.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stream was still open 20 s after sign-out"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_export_stops_when_its_session_ends() {
    let app = spawn_app().await;
    app.sign_in_as(crate::helpers::LEE).await;
    // Far more than the socket holds, so the server is still writing when
    // the session ends.
    let entries: Vec<_> = (0..30_000)
        .map(|n| app::ssr::ports::AuditRecord {
            action: "note".into(),
            ..app::ssr::ports::AuditRecord::system(
                1_795_000_000_000 + n,
                app::domain::audit_action::Action::Received,
                None,
                Some(format!("entry {n} {}", "x".repeat(200))),
            )
        })
        .collect();
    app.store().record_all(&entries).await.unwrap();
    let cookie = app.cookie.lock().unwrap().clone().expect("signed in");
    let response = open_stream(&format!("{}/audit/export.jsonl", app.base), &cookie).await;
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let first = body.frame().await.expect("a first chunk").expect("data");
    assert!(first.is_data());

    app.probe.delete_every_session().await;
    let mut lines = 0_usize;
    let mut broken = false;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    lines += data.iter().filter(|b| **b == b'\n').count();
                }
            }
            Err(_) => {
                broken = true;
                break;
            }
        }
    }
    assert!(
        broken,
        "the export ended as a broken transfer, not a complete one"
    );
    assert!(lines < 30_000, "it stopped early ({lines} more lines)");
    app.stop().await;
}

#[tokio::test]
async fn ended_sessions_are_swept() {
    let app = spawn_app().await;
    // Root's session is valid now, so the server's own sweep (which runs at
    // start and then every few minutes) leaves it; the test sweeps as of two
    // hours from now, when root has been idle too long and ada, who kept
    // using hers, has not.
    let now = chrono::Utc::now().timestamp_millis();
    let later = now + 2 * 3_600_000;
    app.sessions.create(&ROOT.actor(), None, now).await.unwrap();
    app.probe
        .set_session_times("user-ada", later, later + 3_600_000)
        .await;
    assert_eq!(
        app.probe.sessions_stored().await,
        2,
        "ada's (from spawn_app) and root's"
    );
    let removed = app.sessions.sweep(later).await.unwrap();
    assert_eq!(removed, 1);
    assert_eq!(app.probe.session_subjects().await, ["user-ada"]);
    app.stop().await;
}
