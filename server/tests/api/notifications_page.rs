//! The admins' notifications page: rows the real worker wrote through the
//! store, a webhook named without its query string or credentials, an
//! empty state that says how to set up routes, and nobody else let in.

use crate::helpers::{
    config_file, sample_review, short_id, spawn_app, spawn_app_with, ADA, PATIENCE, ROOT,
};
use crate::server_functions::get_raw;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Waits until the list holds `count` notifications, each tried at least
/// once and `settled` (the worker is done with it for now); returns them.
async fn tried(
    app: &crate::helpers::TestApp,
    count: usize,
    settled: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (status, body) = app.call("notifications", &[]).await;
        assert_eq!(status, 200, "{body}");
        let items = body.as_array().cloned().unwrap_or_default();
        if items.len() >= count
            && items
                .iter()
                .all(|item| item["attempts"].as_u64().unwrap_or(0) >= 1 && settled(item))
        {
            return items;
        }
        assert!(Instant::now() < deadline, "notifications so far: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn an_admin_sees_each_notification_with_its_state_attempts_and_error() {
    let id = short_id();
    let team = format!("team-{id}@example.com");
    let (query, password) = (format!("QUERY-{id}"), format!("PASSWORD-{id}"));
    let unset = format!("SIGNOFF_TEST_UNSET_{}", id.to_uppercase());
    // Nothing listens on port 9: the e-mail is retried, and the webhook,
    // whose secret variable is not set, fails for good before any request.
    let (_dir, config) = config_file(&format!(
        "[[notify.route]]\nname = \"team\"\nevents = [\"arrived\"]\nemail = [\"{team}\"]\n\n\
         [[notify.route]]\nname = \"hooks\"\nevents = [\"arrived\"]\n\
         webhook = [{{ url = \"http://bot:{password}@127.0.0.1:9/in?key={query}\", secret_env = \"{unset}\" }}]\n"
    ));
    let app = spawn_app_with(|args| {
        args.config = Some(config);
        args.notify.smtp_url = Some("smtp://127.0.0.1:9".into());
        args.notify.email_from = Some("Signoff <signoff@example.com>".into());
    })
    .await;
    let (_arn, review_id) = app.new_review(&sample_review(), &json!({})).await;

    app.sign_in_as(ROOT).await;
    let items = tried(&app, 2, |item| {
        item["route"] != "hooks" || item["state"] == "failed"
    })
    .await;
    let by_route = |route: &str| {
        items
            .iter()
            .find(|item| item["route"] == route)
            .unwrap_or_else(|| panic!("no {route} notification in {items:?}"))
    };
    let hook = by_route("hooks");
    assert_eq!(hook["review_id"], review_id.as_str());
    assert_eq!(hook["event"], "received");
    assert_eq!(hook["destination"], "webhook:http://127.0.0.1:9/in");
    assert_eq!(hook["state"], "failed");
    assert_eq!(hook["attempts"], 1, "a failure for good is not retried");
    assert_eq!(hook["sent_at_ms"], Value::Null);
    let hook_error = hook["last_error"].as_str().unwrap_or_default();
    assert!(
        hook_error.contains(&format!("its secret variable {unset} is not set")),
        "{hook_error}"
    );
    let mail = by_route("team");
    assert_eq!(mail["destination"], format!("email:{team}"));
    assert_eq!(mail["state"], "queued", "a refused connection is retried");
    let mail_error = mail["last_error"].as_str().unwrap_or_default();
    assert!(
        mail_error.contains(&format!("e-mail to {team} through smtp://127.0.0.1:9")),
        "{mail_error}"
    );
    assert_eq!(
        app.probe
            .audit_count_of(&review_id, "notification failed")
            .await,
        1
    );

    let page = app.page("/notifications").await;
    for shown in [
        "webhook:http://127.0.0.1:9/in",
        &format!("email:{team}"),
        &format!("href=\"/reviews/{review_id}\""),
        &format!("its secret variable {unset} is not set"),
        "badge notify-failed",
        "badge notify-queued",
    ] {
        assert!(page.contains(shown), "the page shows {shown}");
    }
    let (_, answer) = app.call("notifications", &[]).await;
    for (what, text) in [("page", page), ("answer", answer.to_string())] {
        assert!(
            !text.contains(&query),
            "the webhook's query string in the {what}"
        );
        assert!(
            !text.contains(&password),
            "the webhook's password in the {what}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn only_admins_see_notifications_and_an_empty_list_says_how_to_route() {
    let app = spawn_app().await;
    app.sign_in_as(ROOT).await;
    assert_eq!(app.call("notifications", &[]).await, (200, json!([])));
    let page = app.page("/notifications").await;
    assert!(page.contains("Nothing has been sent yet."), "{page}");
    assert!(
        page.contains("[[notify.route]]"),
        "the empty page says how to configure routes"
    );
    assert!(
        page.contains("href=\"/notifications\""),
        "the nav links it for admins"
    );

    app.sign_in_as(ADA).await;
    let refusal = "This needs the admin role; yours is reviewer.";
    assert_eq!(
        app.call("notifications", &[]).await,
        (403, json!({ "Forbidden": refusal }))
    );
    let (_, page) = get_raw(&app, "/notifications").await;
    assert!(page.contains(refusal), "the page says why: {page}");
    assert!(!page.contains("Nothing has been sent"), "{page}");
    assert!(
        !page.contains("href=\"/notifications\""),
        "no nav link for a reviewer"
    );

    app.sign_out();
    assert_eq!(
        app.call("notifications", &[]).await,
        (401, json!("Unauthenticated"))
    );
    let (status, _) = get_raw(&app, "/notifications").await;
    assert_eq!(status, 303, "sent to sign in");
    app.stop().await;
}
