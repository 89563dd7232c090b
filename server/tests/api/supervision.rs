//! Supervised workers and `/readyz`, on the real emulator: a worker made to
//! fail (its SQS queue deleted under it) is restarted, counted and reported,
//! and comes back when its queue does.

use crate::helpers::{sample_review, spawn_app, TestApp, PATIENCE};
use serde_json::{json, Value};
use server::aws::provision;
use std::time::{Duration, Instant};

impl TestApp {
    /// `/readyz`, asked without a session (as a probe asks).
    async fn readiness(&self) -> (u16, Value) {
        let reply = self.http.get(&format!("{}/readyz", self.base), None).await;
        let body = serde_json::from_str(&reply.body)
            .unwrap_or_else(|e| panic!("/readyz is not JSON ({e}): {}", reply.body));
        (reply.status, body)
    }

    /// Waits until `/readyz` answers something `wanted` accepts; returns it.
    async fn wait_for_readiness(&self, what: &str, wanted: impl Fn(u16, &Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let (status, body) = self.readiness().await;
            if wanted(status, &body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "/readyz never {what}: {status} {body}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn worker<'a>(readiness: &'a Value, name: &str) -> &'a Value {
    readiness["workers"]
        .as_array()
        .and_then(|workers| workers.iter().find(|w| w["name"] == name))
        .unwrap_or_else(|| panic!("no worker {name} in {readiness}"))
}

#[tokio::test]
async fn a_deleted_intake_queue_is_reported_down_and_restarted_until_it_is_back() {
    let app = spawn_app().await;
    let ready = app
        .wait_for_readiness("ready", |status, _| status == 200)
        .await;
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["database"], "up");
    for name in ["intake", "delivery", "clock", "changes", "session sweep"] {
        assert_eq!(worker(&ready, name)["state"], "up", "{ready}");
        assert_eq!(worker(&ready, name)["restarts"], 0, "{ready}");
    }

    app.sqs
        .delete_queue()
        .queue_url(&app.queue_url)
        .send()
        .await
        .expect("queue deleted");
    let failing = app
        .wait_for_readiness("counted a restart of intake", |status, body| {
            status == 503 && worker(body, "intake")["restarts"].as_u64() >= Some(1)
        })
        .await;
    println!("while the queue was gone: {failing}");
    let intake = worker(&failing, "intake");
    assert_eq!(failing["ready"], false);
    assert_ne!(intake["state"], "up", "{failing}");
    assert_eq!(intake["last_error"], "ReceiveMessage failed");
    assert_eq!(
        worker(&failing, "delivery")["state"],
        "up",
        "only intake failed"
    );
    // The probe shows the summary only: not the queue, not SQS's message.
    let text = failing.to_string();
    let queue_name = app.queue_url.rsplit('/').next().expect("queue name");
    assert!(!text.contains(queue_name), "{text}");
    assert!(!text.contains("NonExistentQueue"), "{text}");

    let recreated = provision::intake_queue(&app.sqs, queue_name)
        .await
        .expect("queue recreated");
    assert_eq!(recreated, app.queue_url, "the same queue URL again");
    let back = app
        .wait_for_readiness("ready again", |status, _| status == 200)
        .await;
    assert_eq!(worker(&back, "intake")["state"], "up");
    let restarts = worker(&back, "intake")["restarts"].as_u64().unwrap_or(0);
    assert!(restarts >= 1, "{back}");

    // A request sent after the queue is back arrives.
    let (_, id) = app.new_review(&sample_review(), &json!({"run": 1})).await;
    assert_eq!(app.review(&id).await["status"], "pending");
    println!("intake restarted {restarts} times; then review {id} arrived");
    app.stop().await;
}
