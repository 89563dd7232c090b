//! The live-update stream: signed-in pages hear which reviews changed,
//! signed-out visitors get nothing, and no event carries a task token.

use crate::helpers::{sample_review, spawn_app, TestApp};
use crate::http::open_stream;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde_json::json;
use std::time::Duration;

/// Opens `/api/events` with the app's session; returns the streaming body.
async fn open_events(app: &TestApp) -> Incoming {
    let cookie = app.cookie.lock().unwrap().clone().expect("signed in");
    let response = open_stream(&format!("{}/api/events", app.base), &cookie).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    response.into_body()
}

/// Reads the stream until `wanted` has appeared; returns all read so far.
async fn read_until(body: &mut Incoming, wanted: &str, so_far: &mut String) {
    let reading = async {
        while !so_far.contains(wanted) {
            let frame = body.frame().await.expect("the stream stays open").unwrap();
            if let Ok(data) = frame.into_data() {
                so_far.push_str(&String::from_utf8_lossy(&data));
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), reading)
        .await
        .unwrap_or_else(|_| panic!("no {wanted:?} on the stream; read: {so_far}"));
}

#[tokio::test]
async fn open_pages_hear_of_changes_and_signed_out_visitors_do_not() {
    let app = spawn_app().await;
    let mut stream = open_events(&app).await;
    let mut read = String::new();

    let (_, id) = app.new_review(&sample_review(), &json!({})).await;
    read_until(&mut stream, &id, &mut read).await;
    assert!(read.contains("event: changes"), "{read}");
    assert!(read.contains(r#""action":"received""#), "{read}");

    assert_eq!(app.decide(&id, "approve", "fine").await.0, 200);
    read_until(&mut stream, r#""action":"approved""#, &mut read).await;
    read_until(&mut stream, r#""action":"delivered""#, &mut read).await;

    let token = app.probe.task_token(&id).await;
    assert!(
        !read.contains(token.expose()),
        "no task token on the stream"
    );

    app.sign_out();
    let refused = app
        .http
        .get(&format!("{}/api/events", app.base), None)
        .await;
    assert_eq!(refused.status, 401);

    // An open stream must not hold up a graceful shutdown.
    tokio::time::timeout(Duration::from_secs(15), app.stop())
        .await
        .expect("the server stops with a stream open");
    drop(stream);
}

/// Two servers on one database, as replicas behind a load balancer: a
/// decision made on one reaches a page open on the other (printed: how
/// long it took; PostgreSQL wakes the other at once, SQLite's feed looks
/// every half second).
#[tokio::test]
async fn a_decision_on_one_replica_reaches_a_page_open_on_another() {
    let first = spawn_app().await;
    let database_url = first.database_url.clone();
    let second = crate::helpers::spawn_app_with(|args| args.database_url = database_url).await;
    let mut stream = open_events(&second).await;
    let mut read = String::new();

    let (_, id) = first.new_review(&sample_review(), &json!({})).await;
    read_until(&mut stream, &id, &mut read).await;
    let decided = std::time::Instant::now();
    assert_eq!(first.decide(&id, "approve", "fine").await.0, 200);
    read_until(&mut stream, r#""action":"approved""#, &mut read).await;
    println!(
        "replicas: a decision on one reached a page on the other in {} ms",
        decided.elapsed().as_millis()
    );
    assert_eq!(second.review(&id).await["status"], "approved");
    second.stop().await;
    first.stop().await;
    drop(stream);
}
