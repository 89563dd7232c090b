//! The benchmark's bare page: served to anyone only with
//! `--bench-bare-page`, and not found otherwise.

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn the_bare_page_is_served_only_when_asked_for() {
    let app = spawn_app_with(|args| args.bench_bare_page = true).await;
    app.sign_out();
    let reply = app
        .http
        .get(&format!("{}/bench/bare", app.base), None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // The site's shell (its stylesheet and top bar) around 50 rows.
    assert!(reply.body.contains("/pkg/signoff.css"), "{}", reply.body);
    assert!(reply.body.contains("class=\"topbar\""), "{}", reply.body);
    assert_eq!(reply.body.matches("Bare row ").count(), 50);
    app.stop().await;

    let app = spawn_app().await;
    let signed_in = app.cookie.lock().unwrap().clone();
    for cookie in [None, signed_in] {
        let reply = app
            .http
            .get(&format!("{}/bench/bare", app.base), cookie.as_deref())
            .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
        assert!(!reply.body.contains("Bare row"), "{}", reply.body);
    }
    app.stop().await;
}
