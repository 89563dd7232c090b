//! Faults with several replicas: three `signoff serve` processes on one
//! database (the suite's engine: one SQLite file, or one PostgreSQL
//! database) and one intake queue, as a load balancer would run them. One
//! is killed mid-delivery while Step Functions is frozen; decisions on one
//! review race across all three. Each test prints what it counted.

use crate::faults::{
    approve_in_background, finished, serve, served_database, task_successes, wait_healthy,
    PrivateEmulator, ServerProcess,
};
use crate::helpers::{free_port, provision_stack, sample_review, Stack, ADA, PATIENCE};
use crate::http::ScratchDir;
use crate::recorder::{calls, Recording};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;
use std::process::Command;
use std::time::{Duration, Instant};

const REPLICAS: usize = 3;

/// Three replicas on the database of `dir`, each on a port of its own.
async fn replicas(stack: &Stack, dir: &ScratchDir) -> Vec<(u16, ServerProcess)> {
    let mut started = Vec::new();
    for n in 0..REPLICAS {
        let port = free_port();
        started.push((port, serve(stack, dir, port, &format!("replica-{n}"))));
    }
    for (port, _) in &started {
        wait_healthy(*port).await;
    }
    started
}

/// Starts `count` executions of the stack's state machine; their ARNs.
async fn start_executions(stack: &Stack, count: usize) -> Vec<String> {
    let mut arns = Vec::new();
    for i in 0..count {
        let input = json!({"review": sample_review(), "context": {}});
        let name = format!("replica-{i}-{}", uuid::Uuid::new_v4().simple());
        arns.push(
            server::aws::provision::start_execution(&stack.sfn, &stack.machine_arn, &name, &input)
                .await
                .expect("an execution"),
        );
    }
    arns
}

/// Polls until `check` holds, for at most [`PATIENCE`].
async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !check().await {
        assert!(Instant::now() < deadline, "still waiting: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fifty decisions spread over three replicas while Step Functions is
/// frozen; one replica is killed with every delivery in flight; Step
/// Functions comes back: every execution succeeds with one TaskSucceeded,
/// the killed replica's deliveries sent by the others once its leases end.
#[tokio::test]
async fn a_replica_killed_mid_delivery_loses_and_doubles_nothing() {
    const REVIEWS: usize = 50;
    let emulator = PrivateEmulator::start().await;
    let stack = provision_stack(&emulator.url).await;
    let recording = Recording::start_private(&emulator.url).await;
    let dir = ScratchDir::new();
    let mut servers = replicas(&stack, &dir).await;
    let probe = served_database(&dir).await;

    let arns = start_executions(&stack, REVIEWS).await;
    until("every request stored", async || {
        probe.reviews().await.len() >= REVIEWS
    })
    .await;
    let reviews = probe.reviews().await;
    assert_eq!(
        reviews.len(),
        REVIEWS,
        "three consumers of one queue store each request once"
    );
    let cookie = probe.session_cookie(&ADA.actor()).await;

    emulator.signal("-STOP");
    for (n, review) in reviews.iter().enumerate() {
        let (port, _) = &servers[n % REPLICAS];
        approve_in_background(
            format!("http://127.0.0.1:{port}"),
            cookie.clone(),
            review.id.clone(),
        );
    }
    until("every delivery in flight", async || {
        probe.deliveries_in_flight().await as usize == REVIEWS
    })
    .await;
    let (_, mut killed) = servers.remove(0);
    let status = Command::new("kill")
        .args(["-KILL", &killed.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let _ = killed.0.wait();
    emulator.signal("-CONT");

    let mut succeeded_once = 0;
    for arn in &arns {
        let execution = finished(&stack.sfn, arn).await;
        assert_eq!(*execution.status(), ExecutionStatus::Succeeded, "{arn}");
        assert_eq!(
            task_successes(&stack.sfn, arn).await,
            1,
            "{arn}: one TaskSucceeded"
        );
        succeeded_once += 1;
    }
    until("every delivery recorded", async || {
        probe.deliveries_in_state("delivered").await as usize == REVIEWS
    })
    .await;
    drop(servers);
    let requests = recording.sfn_requests().await;
    let by = |name: &str| {
        reviews
            .iter()
            .map(|review| {
                calls(
                    requests
                        .iter()
                        .filter(|r| r.names_token(review.task_token.expose()) && r.is_answer())
                        .filter(|r| r.sent_by(name)),
                )
                .len()
            })
            .sum::<usize>()
    };
    let sent: Vec<usize> = (0..REPLICAS).map(|n| by(&format!("replica-{n}"))).collect();
    println!(
        "replicas: {REPLICAS} on one database, replica-0 killed with {REVIEWS} deliveries in flight; \
         executions succeeded with one TaskSucceeded: {succeeded_once}/{REVIEWS}; \
         SendTask* calls by replica: {sent:?}; audit chain: {} entries verified",
        probe.verify_chain().await.expect("the audit chain holds")
    );
}

/// Twenty decisions on one review at once, spread over three replicas: one
/// is recorded, nineteen are told who decided.
#[tokio::test]
async fn concurrent_decisions_over_replicas_have_one_winner() {
    let emulator = PrivateEmulator::start().await;
    let stack = provision_stack(&emulator.url).await;
    let dir = ScratchDir::new();
    let servers = replicas(&stack, &dir).await;
    let probe = served_database(&dir).await;
    let arns = start_executions(&stack, 1).await;
    until("the request stored", async || {
        !probe.reviews().await.is_empty()
    })
    .await;
    let id = probe.reviews().await[0].id.clone();
    let cookie = probe.session_cookie(&ADA.actor()).await;

    let answers = futures::future::join_all((0..20).map(|n| {
        let (port, _) = &servers[n % REPLICAS];
        approve_in_background(
            format!("http://127.0.0.1:{port}"),
            cookie.clone(),
            id.clone(),
        )
    }))
    .await;
    let replies: Vec<_> = answers
        .into_iter()
        .map(|answer| answer.expect("the task ran").expect("an answer"))
        .collect();
    let won = replies.iter().filter(|reply| reply.status == 200).count();
    let told = replies
        .iter()
        .filter(|reply| {
            reply.status == 409
                && reply
                    .body
                    .contains("Already decided: approved by ada@example.com")
        })
        .count();
    println!("replicas: 20 concurrent decisions over {REPLICAS} replicas: {won} recorded, {told} told who decided");
    assert_eq!((won, told), (1, 19), "{replies:?}");
    assert_eq!(
        *finished(&stack.sfn, &arns[0]).await.status(),
        ExecutionStatus::Succeeded
    );
    assert_eq!(task_successes(&stack.sfn, &arns[0]).await, 1);
    drop(servers);
}
