//! Faults, on the real parts: the AWS emulator stops answering while
//! decisions are made; the server is stopped (SIGKILL, SIGTERM) mid-delivery and
//! restarted. Each test has its own emulator (frozen with SIGSTOP and
//! thawed with SIGCONT, so its executions survive), and asserts on the
//! executions' final state, never on the emulator's error variants.
//! Each prints the counts it observed.

use crate::helpers::{
    free_port, provision_stack, sample_review, spawn_app_on, until_listening, Stack, ADA, PATIENCE,
};
use crate::http::{Http, ScratchDir};
use crate::probe::{Probe, ReviewKeys, StoredDelivery};
use crate::recorder::{calls, Recording, SfnRequest};
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A moto server of the test's own, its request recorder writing into a
/// directory of its own ([`Recording::start_private`]).
pub struct PrivateEmulator {
    pub url: String,
    child: Child,
    _recorder_dir: ScratchDir,
}

impl PrivateEmulator {
    pub async fn start() -> Self {
        Self::start_with_env(&[]).await
    }

    /// Started with these environment variables (moto's own settings).
    pub async fn start_with_env(env: &[(&str, &str)]) -> Self {
        let moto = std::env::var("SIGNOFF_TEST_MOTO_SERVER")
            .expect("SIGNOFF_TEST_MOTO_SERVER is not set: run the tests with `cargo xtask test`");
        let port = free_port();
        let recorder_dir = ScratchDir::new();
        let child = Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env(
                "MOTO_RECORDER_FILEPATH",
                recorder_dir.path().join("recording.jsonl"),
            )
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto starts");
        // Owned at once, so that a failed start below still kills it (Drop).
        let emulator = Self {
            url: format!("http://127.0.0.1:{port}"),
            child,
            _recorder_dir: recorder_dir,
        };
        until_listening(port, "the private emulator").await;
        emulator
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }
}

impl Drop for PrivateEmulator {
    fn drop(&mut self) {
        self.signal("-CONT");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn task_successes(sfn: &aws_sdk_sfn::Client, arn: &str) -> usize {
    let history = sfn
        .get_execution_history()
        .execution_arn(arn)
        .send()
        .await
        .unwrap();
    history
        .events()
        .iter()
        .filter(|e| e.task_succeeded_event_details().is_some())
        .count()
}

async fn succeeded(sfn: &aws_sdk_sfn::Client, arn: &str) -> ExecutionStatus {
    finished(sfn, arn).await.status().clone()
}

/// The execution once it has ended (or as it is after 90 s).
pub async fn finished(sfn: &aws_sdk_sfn::Client, arn: &str) -> DescribeExecutionOutput {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let out = sfn
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap();
        if *out.status() != ExecutionStatus::Running || Instant::now() > deadline {
            return out;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Step Functions stops answering: every decision still gets its answer,
/// "queued", while it is down (it is resumed only once all the answers are
/// in hand), and each arrives once it is back.
#[tokio::test]
async fn decisions_made_while_the_emulator_is_down_all_arrive_once_it_is_back() {
    const REVIEWS: usize = 50;
    let emulator = PrivateEmulator::start().await;
    let app = spawn_app_on(&emulator.url, |_| {}).await;
    let mut arns = Vec::new();
    for _ in 0..REVIEWS {
        arns.push(app.start_execution(&sample_review(), &json!({})).await);
    }
    let mut ids = Vec::new();
    for arn in &arns {
        ids.push(app.wait_for_review(arn).await);
    }

    emulator.signal("-STOP");
    let started = Instant::now();
    let answers =
        futures::future::join_all(ids.iter().map(|id| app.decide(id, "approve", ""))).await;
    let answered_in = started.elapsed();
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["status"], "approved", "{body}");
        assert_eq!(
            body["delivery"], "queued",
            "a decision answers without waiting for Step Functions: {body}"
        );
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("queued for delivery")),
            "{body}"
        );
    }
    let mut shown_queued = 0;
    for id in &ids {
        let review = app.review(id).await;
        assert_eq!(review["status"], "approved", "{review}");
        assert_eq!(review["delivery"]["state"], "queued", "{review}");
        shown_queued += 1;
    }
    // The answers came while every first attempt was still waiting on Step
    // Functions: none has ended (an attempt that gave up, at the SDK's
    // timeout, records its error and leaves its claim).
    let in_flight = app.probe.first_attempts_in_flight().await;
    println!("decisions answered while the emulator was down: {} in {answered_in:?}, all queued; shown queued: {shown_queued}; first attempts still waiting on Step Functions: {in_flight}", answers.len());
    assert_eq!(
        in_flight as usize, REVIEWS,
        "each decider was answered while its first attempt was still under way"
    );

    emulator.signal("-CONT");
    let mut delivered_once = 0;
    for arn in &arns {
        assert_eq!(
            succeeded(&app.sfn, arn).await,
            ExecutionStatus::Succeeded,
            "{arn}"
        );
        assert_eq!(
            task_successes(&app.sfn, arn).await,
            1,
            "{arn} got its decision once"
        );
        delivered_once += 1;
    }
    for id in &ids {
        app.wait_for_delivery(id, "delivered", 1).await;
    }
    let attempts = app.probe.delivery_attempts().await;
    println!("executions succeeded, each with exactly one TaskSucceeded: {delivered_once}/{REVIEWS}; all recorded delivered; delivery attempts: {attempts}");
    app.stop().await;
}

/// SIGTERM while a decision's first attempt waits on Step Functions, which
/// answers only once the shutdown has begun: the server writes the
/// attempt's outcome before it exits, so the database says delivered, with
/// no claim left to lapse, and no restart is needed.
#[tokio::test]
async fn a_decision_answered_during_a_sigterm_shutdown_is_recorded_before_the_server_exits() {
    let emulator = PrivateEmulator::start().await;
    let stack = provision_stack(&emulator.url).await;
    let dir = ScratchDir::new();
    let port = free_port();
    let mut server = serve(&stack, &dir, port, "drained");
    wait_healthy(port).await;
    let probe = served_database(&dir).await;
    let probe = &probe;
    let input = json!({"review": sample_review(), "context": {}});
    let name = format!("term-{}", uuid::Uuid::new_v4().simple());
    let arn =
        server::aws::provision::start_execution(&stack.sfn, &stack.machine_arn, &name, &input)
            .await
            .unwrap();
    let id = until_some(move || async move {
        probe
            .reviews()
            .await
            .into_iter()
            .next()
            .map(|review| review.id)
    })
    .await;
    let cookie = probe.session_cookie(&ADA.actor()).await;

    // The decision's first attempt waits on a frozen Step Functions; the
    // server gets SIGTERM, and only once it has stopped listening (its
    // shutdown has begun) does Step Functions answer.
    emulator.signal("-STOP");
    let decision = approve_in_background(format!("http://127.0.0.1:{port}"), cookie, id.clone());
    until_some(move || async move { (probe.deliveries_in_flight().await > 0).then_some(()) }).await;
    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    until_some(move || async move {
        std::net::TcpStream::connect(("127.0.0.1", port))
            .is_err()
            .then_some(())
    })
    .await;
    emulator.signal("-CONT");
    let deadline = Instant::now() + PATIENCE;
    let exit = loop {
        if let Some(exit) = server.0.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "a graceful shutdown exits cleanly: {exit}");
    let heard = decision.await.unwrap().map(|reply| reply.body);
    println!("the decider heard, during the shutdown: {heard:?}");

    let StoredDelivery {
        state,
        claimed_until,
        attempts,
        last_error,
        ..
    } = probe.delivery_of(&id).await;
    let audited = probe.audit_count_of(&id, "delivered").await;
    println!("after the server exited: delivery {state}, claimed until {claimed_until:?}, {attempts} attempt(s), last error {last_error:?}; {audited} delivered entry in the audit log");
    assert_eq!(
        (state.as_str(), claimed_until, attempts, last_error),
        ("delivered", None, 1, None),
        "recorded before the exit, its claim released"
    );
    assert_eq!(audited, 1);
    assert_eq!(
        succeeded(&stack.sfn, &arn).await,
        ExecutionStatus::Succeeded
    );
    assert_eq!(task_successes(&stack.sfn, &arn).await, 1);
}

/// Approves review `id` on the server at `base` as the session `cookie`,
/// in a task of its own; the task answers what came back.
pub fn approve_in_background(
    base: String,
    cookie: String,
    id: String,
) -> tokio::task::JoinHandle<Result<crate::http::Reply, String>> {
    tokio::spawn(async move {
        let headers = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", cookie.as_str()),
        ];
        Http::new()
            .try_send_with(
                "POST",
                &format!("{base}/api/decide"),
                &headers,
                format!("id={id}&verdict=approve&comment="),
            )
            .await
    })
}

/// Polls `probe` until it has something, for at most [`PATIENCE`].
pub async fn until_some<T, F, Fut>(mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "still waiting after {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A `signoff serve` process of the test's, killed if the test fails first.
pub struct ServerProcess(pub Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where the server [`serve`] starts in `dir` keeps its database.
fn served_database_url(dir: &ScratchDir) -> String {
    dir.database_url()
}

/// The database of the server [`serve`] started in `dir`.
pub async fn served_database(dir: &ScratchDir) -> Probe {
    Probe::open(&served_database_url(dir)).await
}

/// `signoff serve` as its own process, so it can be killed. Its calls
/// carry `app/NAME` in their user agent ([`SfnRequest::sent_by`]).
pub fn serve(stack: &Stack, dir: &ScratchDir, port: u16, name: &str) -> ServerProcess {
    serve_with(stack, dir, port, name, &[])
}

/// [`serve`] with more environment variables (its configuration file, SMTP).
pub fn serve_with(
    stack: &Stack,
    dir: &ScratchDir,
    port: u16,
    name: &str,
    env: &[(&str, &str)],
) -> ServerProcess {
    let child = Command::new(env!("CARGO_BIN_EXE_signoff"))
        .arg("serve")
        .env("AWS_SDK_UA_APP_ID", name)
        .env("SIGNOFF_LISTEN", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", served_database_url(dir))
        .env("SIGNOFF_SITE_ROOT", dir.path())
        .env("SIGNOFF_INTAKE_QUEUE_URL", &stack.queue_url)
        .env("SIGNOFF_INTAKE_WAIT_SECONDS", "1")
        .env("SIGNOFF_DELIVERY_LEASE_SECONDS", "12")
        .env("AWS_ENDPOINT_URL", &stack.endpoint)
        .env("SIGNOFF_OIDC_ISSUER", "http://127.0.0.1:9")
        .env("SIGNOFF_OIDC_CLIENT_SECRET", "unused")
        .env("SIGNOFF_ROLE_MAP", crate::helpers::ROLE_MAP)
        .env("RUST_LOG", "error")
        .envs(env.iter().copied())
        .spawn()
        .expect("signoff starts");
    ServerProcess(child)
}

pub async fn wait_healthy(port: u16) {
    until_listening(port, "the server").await;
    let reply = Http::new()
        .get(&format!("http://127.0.0.1:{port}/healthz"), None)
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn a_server_killed_during_delivery_delivers_exactly_once_after_restart() {
    stopped_during_delivery("-KILL").await;
}

#[tokio::test]
async fn a_server_stopped_with_sigterm_during_delivery_leaves_nothing_lost() {
    stopped_during_delivery("-TERM").await;
}

/// Decisions go in while Step Functions does not answer, the server gets
/// `signal` with every delivery in flight, Step Functions comes back, the
/// server restarts: every execution gets its decision, and the restarted
/// server sends each one once, counted as the calls reach the emulator.
async fn stopped_during_delivery(signal: &str) {
    const REVIEWS: usize = 5;
    const FIRST: &str = "first";
    const RESTARTED: &str = "restarted";
    let emulator = PrivateEmulator::start().await;
    let stack = provision_stack(&emulator.url).await;
    let recording = Recording::start_private(&emulator.url).await;
    let dir = ScratchDir::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(&stack, &dir, port, FIRST);
    wait_healthy(port).await;
    let probe = served_database(&dir).await;

    let mut arns = Vec::new();
    for i in 0..REVIEWS {
        let input = json!({"review": sample_review(), "context": {}});
        let name = format!("kill-{i}-{}", uuid::Uuid::new_v4().simple());
        arns.push(
            server::aws::provision::start_execution(&stack.sfn, &stack.machine_arn, &name, &input)
                .await
                .unwrap(),
        );
    }
    let deadline = Instant::now() + PATIENCE;
    let reviews: Vec<ReviewKeys> = loop {
        let reviews = probe.reviews().await;
        if reviews.len() == REVIEWS {
            break reviews;
        }
        assert!(
            Instant::now() < deadline,
            "only {} reviews arrived",
            reviews.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let cookie = probe.session_cookie(&ADA.actor()).await;

    // Step Functions stops answering, the decisions go in, and the server
    // dies with every delivery claimed and in flight.
    emulator.signal("-STOP");
    for review in &reviews {
        // Its answer dies with the server: only the commit matters here.
        approve_in_background(base.clone(), cookie.clone(), review.id.clone());
    }
    let deadline = Instant::now() + PATIENCE;
    loop {
        let claimed = probe.deliveries_in_flight().await;
        if claimed as usize == REVIEWS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {claimed} deliveries in flight"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stopping = Instant::now();
    let status = Command::new("kill")
        .args([signal, &server.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = server.0.wait().unwrap();
    if signal == "-TERM" {
        assert!(exit.success(), "a graceful shutdown exits cleanly: {exit}");
    }
    println!("server stopped with {signal} and {REVIEWS} deliveries in flight; it exited in {:?} ({exit})", stopping.elapsed());
    emulator.signal("-CONT");
    let restarted = serve(&stack, &dir, port, RESTARTED);
    wait_healthy(port).await;
    let mut outputs = std::collections::HashMap::new();
    for arn in &arns {
        let execution = finished(&stack.sfn, arn).await;
        assert_eq!(*execution.status(), ExecutionStatus::Succeeded, "{arn}");
        let output: serde_json::Value =
            serde_json::from_str(execution.output().unwrap_or("null")).unwrap();
        outputs.insert(arn.clone(), output);
    }
    let deadline = Instant::now() + PATIENCE;
    loop {
        let delivered = probe.deliveries_in_state("delivered").await;
        if delivered as usize == REVIEWS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {delivered} of {REVIEWS} deliveries recorded as delivered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Every delivery has its answer recorded: whatever the server still
    // sent now would be a call after an answer. Stop it and look.
    drop(restarted);
    let requests = recording.sfn_requests().await;
    let (mut lost, mut resent) = (0, 0);
    for ReviewKeys {
        id,
        execution_arn: arn,
        task_token,
    } in &reviews
    {
        let answers: Vec<&SfnRequest> = requests
            .iter()
            .filter(|r| r.names_token(task_token.expose()) && r.is_answer())
            .collect();
        let first = calls(answers.iter().copied().filter(|r| r.sent_by(FIRST)));
        let second = calls(answers.iter().copied().filter(|r| r.sent_by(RESTARTED)));
        assert!(
            answers
                .iter()
                .all(|r| r.sent_by(FIRST) || r.sent_by(RESTARTED)),
            "{id}: every request came from one of the two servers: {answers:?}"
        );
        // The first server's call (its attempts, if the SDK retried) never
        // had an answer: Step Functions was frozen until the server was gone.
        assert!(
            first.len() <= 1,
            "{id}: the first server sent once before it died: {answers:?}"
        );
        // The restarted server's call was answered (accepted, or the task
        // closed because a request of the first reached it first): after
        // that answer, nothing more.
        assert_eq!(
            second.len(),
            1,
            "{id}: the restarted server sent the decision once: {answers:?}"
        );
        assert!(
            answers.last().is_some_and(|r| r.sent_by(RESTARTED)),
            "{id}: nothing arrived after the restarted server's answer: {answers:?}"
        );
        assert_eq!(
            outputs[arn]["approval"],
            probe.delivery_of(id).await.payload["output"],
            "{id}: the execution resumed with the recorded decision"
        );
        let from_first = answers.iter().filter(|r| r.sent_by(FIRST)).count();
        lost += from_first;
        resent += answers.len() - from_first;
    }
    println!("after restart: {REVIEWS}/{REVIEWS} executions succeeded with the recorded decision; decision requests that reached Step Functions: {lost} from the stopped server (answers lost), {resent} from the restarted one (one call each)");
}

#[tokio::test]
async fn heartbeat_failures_during_an_outage_are_audited_once() {
    let (logs, _guard) = crate::logs::capture();
    let emulator = PrivateEmulator::start().await;
    let app = spawn_app_on(&emulator.url, |_| {}).await;
    let mut review = sample_review();
    review["heartbeatSeconds"] = json!(3);
    let (_, id) = app.new_review(&review, &json!({})).await;

    emulator.signal("-STOP");
    let audited = || app.probe.audit_count_of(&id, "heartbeat failed");
    // Each failed heartbeat call is logged, then its audit entry is written
    // or skipped, then the tick's sweep asks DescribeExecution (which fails
    // too): a tick takes about 20 s, the SDK's timeouts twice over. Once
    // the sweep after the second failure has failed, both are decided.
    const FAILED: &str = "heartbeat failed, retrying";
    let second_settled = || {
        let text = logs.text();
        let Some((second, _)) = text.match_indices(FAILED).nth(1) else {
            return false;
        };
        text[second..].contains("DescribeExecution failed")
    };
    let failed_calls = || logs.text().matches(FAILED).count();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !second_settled() {
        assert!(
            Instant::now() < deadline,
            "{} failed heartbeat calls in two minutes of outage",
            failed_calls()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let failed = failed_calls();
    let entries = audited().await;
    emulator.signal("-CONT");
    println!("heartbeat calls that failed during the outage: {failed}; audit entries: {entries}");
    assert_eq!(
        entries, 1,
        "{failed} failed heartbeat calls, one audit entry"
    );
    app.stop().await;
}
