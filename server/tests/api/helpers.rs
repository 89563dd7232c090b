//! `spawn_app()`: a fresh server with its own database file, intake queue
//! and state machine in the shared emulator; one helper per thing a test does.

use crate::http::{Http, ScratchDir};
use crate::probe::Probe;
use app::domain::actor::{Actor, Role};
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{json, Value};
use server::auth::sessions::Sessions;
use server::aws::{provision, sdk_config};
use server::config::{AwsArgs, EdgeArgs, NotifyArgs, OidcArgs, Secret, ServeArgs};
use server::RunningServer;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/signoff-test-states";
/// The test servers' role map: the demo's groups, and eve's.
pub const ROLE_MAP: &str =
    "ml-viewers=viewer,ml-reviewers=reviewer,fraud-reviewers=reviewer,ml-leads=lead,signoff-admins=admin";
/// Long enough for the emulator under a full parallel test run.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A person the tests act as (the same people as the demo provider's users).
#[derive(Clone, Copy)]
pub struct User {
    pub name: &'static str,
    pub role: Role,
    pub groups: &'static [&'static str],
}

pub const ADA: User = User {
    name: "ada",
    role: Role::Reviewer,
    groups: &["ml-reviewers"],
};
pub const BOB: User = User {
    name: "bob",
    role: Role::Reviewer,
    groups: &["ml-reviewers"],
};
pub const LEE: User = User {
    name: "lee",
    role: Role::Lead,
    groups: &["ml-leads"],
};
pub const VAL: User = User {
    name: "val",
    role: Role::Viewer,
    groups: &["ml-viewers"],
};
pub const DANA: User = User {
    name: "dana",
    role: Role::Reviewer,
    groups: &["ml-reviewers"],
};
pub const ROOT: User = User {
    name: "root",
    role: Role::Admin,
    groups: &["signoff-admins"],
};
pub const EVE: User = User {
    name: "eve",
    role: Role::Reviewer,
    groups: &["fraud-reviewers"],
};

impl User {
    pub fn email(&self) -> String {
        format!("{}@example.com", self.name)
    }

    /// The person as a session holds them (as the provider would sign them in).
    pub fn actor(&self) -> Actor {
        Actor {
            subject: format!("user-{}", self.name),
            email: Some(self.email()),
            email_verified: true,
            usernames: vec![self.name.to_owned()],
            display_name: self.name.into(),
            role: self.role,
            groups: self.groups.iter().map(|g| g.to_string()).collect(),
        }
    }
}

/// A plain queue in the shared emulator (e.g. an EventBridge target).
pub async fn create_queue(name: &str) -> String {
    let sdk = sdk_config(&AwsArgs {
        endpoint_url: Some(emulator_endpoint()),
        region: None,
    })
    .await;
    aws_sdk_sqs::Client::new(&sdk)
        .create_queue()
        .queue_name(format!("{name}-{}", short_id()))
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("queue URL")
}

/// A port nothing listens on now, for a process a test starts itself.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("its address")
        .port()
}

/// Waits (at most [`PATIENCE`]) until something listens on `port`.
pub async fn until_listening(port: u16, what: &str) {
    let deadline = Instant::now() + PATIENCE;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start listening on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The provider's issuer, when the tests run with one (`cargo xtask test`).
pub fn provider_issuer() -> Option<String> {
    std::env::var("SIGNOFF_TEST_OIDC_ISSUER").ok()
}

/// The address the test servers give the provider as theirs.
pub fn public_url() -> String {
    std::env::var("SIGNOFF_TEST_PUBLIC_URL").unwrap_or_else(|_| "http://127.0.0.1:3999".into())
}

pub struct TestApp {
    pub base: String,
    pub sessions: Sessions,
    /// The session cookie requests carry, if signed in.
    pub cookie: std::sync::Mutex<Option<String>>,
    pub http: Http,
    pub sfn: aws_sdk_sfn::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    pub machine_arn: String,
    /// Its database, as the tests question it.
    pub probe: Probe,
    /// Its database's URL: for a second server on the same database and
    /// for the `signoff audit` commands.
    pub database_url: String,
    server: Option<RunningServer>,
    _dir: ScratchDir,
}

pub fn emulator_endpoint() -> String {
    std::env::var("SIGNOFF_TEST_AWS_ENDPOINT").expect(
        "SIGNOFF_TEST_AWS_ENDPOINT is not set: run the tests with `cargo xtask test`, which starts the AWS emulator",
    )
}

/// S3 in the shared emulator, addressed as the server addresses it.
pub async fn emulator_s3() -> aws_sdk_s3::Client {
    let sdk = sdk_config(&AwsArgs {
        endpoint_url: Some(emulator_endpoint()),
        region: None,
    })
    .await;
    server::aws::s3_client(&sdk, true)
}

pub fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()
}

pub fn state_machine_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/state-machine.asl.json")
}

/// A configuration file for a test server; keep the directory until the
/// server has started (it reads the file once, at start-up).
pub fn config_file(toml: &str) -> (ScratchDir, PathBuf) {
    let dir = ScratchDir::new();
    let path = dir.path().join("signoff.toml");
    std::fs::write(&path, toml).expect("configuration written");
    (dir, path)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A fresh app whose settings `customize` may change first.
pub async fn spawn_app_with(customize: impl FnOnce(&mut ServeArgs)) -> TestApp {
    spawn_app_on(&emulator_endpoint(), customize).await
}

/// What a test's server talks to in the emulator: its own intake queue and
/// a state machine from deploy/'s definition.
pub struct Stack {
    pub endpoint: String,
    pub sfn: aws_sdk_sfn::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    pub machine_arn: String,
}

/// Creates a fresh queue and state machine in the emulator at `endpoint`.
pub async fn provision_stack(endpoint: &str) -> Stack {
    let reply = Http::new()
        .post_json(
            &format!("{endpoint}/moto-api/config"),
            r#"{"stepfunctions":{"execute_state_machine":true}}"#,
        )
        .await;
    assert!(
        reply.status < 300,
        "the emulator refused its configuration ({})",
        reply.status
    );
    let sdk = sdk_config(&AwsArgs {
        endpoint_url: Some(endpoint.to_owned()),
        region: None,
    })
    .await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let sfn = aws_sdk_sfn::Client::new(&sdk);
    let name = format!("test-{}", short_id());
    let queue_url = provision::intake_queue(&sqs, &name)
        .await
        .expect("intake queue");
    let definition = provision::definition(&state_machine_file(), &queue_url).expect("definition");
    let machine_arn = provision::state_machine(&sfn, &name, &definition, ROLE_ARN)
        .await
        .expect("state machine");
    Stack {
        endpoint: endpoint.to_owned(),
        sfn,
        sqs,
        queue_url,
        machine_arn,
    }
}

/// The settings of a test server on the emulator at `endpoint` with the
/// database at `database_url`: no intake queue, no site, quick workers.
pub fn serve_args(endpoint: &str, database_url: &str) -> ServeArgs {
    let aws = AwsArgs {
        endpoint_url: Some(endpoint.to_owned()),
        region: None,
    };
    ServeArgs {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url: database_url.to_owned(),
        config: None,
        site_root: PathBuf::from("."),
        intake_queue_url: None,
        events_queue_url: None,
        intake_wait_seconds: 1,
        rejected_visibility_seconds: 1,
        delivery_interval_ms: 200,
        delivery_lease_seconds: 30,
        review_target_minutes: 240,
        reconcile_per_second: 5,
        reconcile_every_seconds: 1,
        public_url: public_url(),
        session_idle_minutes: 60,
        session_max_hours: 12,
        artefact_link_minutes: 10,
        artefact_buckets: None,
        bench_bare_page: false,
        metric_directions: Default::default(),
        execution_console_url: app::domain::console_link::DEFAULT_TEMPLATE.to_owned(),
        oidc: OidcArgs {
            // Discovery is lazy: tests that never sign in through the
            // provider do not need one.
            issuer: provider_issuer().unwrap_or_else(|| "http://127.0.0.1:9".into()),
            client_id: "signoff".into(),
            client_secret: Secret("signoff-demo-secret".into()),
            groups_claim: "groups".into(),
            username_claims: vec!["preferred_username".into(), "upn".into()],
            role_map: Some(ROLE_MAP.into()),
        },
        aws,
        edge: EdgeArgs::default(),
        notify: NotifyArgs::default(),
    }
}

/// A fresh app using the emulator at `endpoint`.
pub async fn spawn_app_on(endpoint: &str, customize: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let http = Http::new();
    let Stack {
        sfn,
        sqs,
        queue_url,
        machine_arn,
        ..
    } = provision_stack(endpoint).await;
    let dir = ScratchDir::new();
    let database_url = dir.database_url();
    let mut args = serve_args(endpoint, &database_url);
    args.intake_queue_url = Some(queue_url.clone());
    args.site_root = dir.path().to_path_buf();
    customize(&mut args);
    let database_url = args.database_url.clone();
    let server = server::start(args).await.expect("server starts");
    let probe = Probe::open(&database_url).await;
    let app = TestApp {
        base: format!("http://{}", server.addr),
        sessions: server.sessions.clone(),
        cookie: std::sync::Mutex::new(None),
        http,
        sfn,
        sqs,
        queue_url,
        machine_arn,
        probe,
        database_url,
        server: Some(server),
        _dir: dir,
    };
    app.sign_in_as(ADA).await;
    app
}

/// A valid `review` object; tests change what they need.
pub fn sample_review() -> Value {
    json!({
        "title": "Promote churn-model v42 to production",
        "model": {"name": "churn-model", "version": "42", "stage": "production"},
        "metrics": {"auc": 0.912, "flagged_rate": 0.071},
        "baseline": {"auc": 0.905, "flagged_rate": 0.052},
        "thresholds": {"auc": {"min": 0.85}, "flagged_rate": {"max": 0.06}},
        "artefacts": [{"label": "Evaluation report", "uri": "s3://ml-artefacts/churn/42/report.html"}],
        "requestedBy": "ci@example.com",
        "requiredApprovals": 1,
        "timeoutSeconds": 3600,
        "onReject": "fail",
        "ticket": "ML-1234"
    })
}

impl TestApp {
    /// Signs `user` in (a session made by the server's own session store,
    /// as the OIDC callback would) and acts as them from now on.
    pub async fn sign_in_as(&self, user: User) {
        let actor = user.actor();
        let id = self
            .sessions
            .create(&actor, None, chrono::Utc::now().timestamp_millis())
            .await
            .expect("session");
        *self.cookie.lock().expect("cookie lock") = Some(format!("signoff_session={id}"));
    }

    /// The server's use cases, for tests that drive one directly.
    pub fn services(&self) -> app::ssr::Services {
        self.server.as_ref().expect("running").services.clone()
    }

    /// The server's store, for tests that append entries directly.
    pub fn store(&self) -> std::sync::Arc<dyn app::ssr::ports::ReviewStore> {
        self.server
            .as_ref()
            .expect("running")
            .services
            .store
            .clone()
    }

    /// Acts with this session cookie (`name=value`) from now on.
    pub fn use_cookie(&self, cookie: &str) {
        *self.cookie.lock().expect("cookie lock") = Some(cookie.to_owned());
    }

    /// Acts as nobody from now on.
    pub fn sign_out(&self) {
        *self.cookie.lock().expect("cookie lock") = None;
    }

    fn current_cookie(&self) -> Option<String> {
        self.cookie.lock().expect("cookie lock").clone()
    }

    /// Starts an execution of deploy/'s state machine; returns its ARN.
    pub async fn start_execution(&self, review: &Value, context: &Value) -> String {
        self.start_execution_of(&self.machine_arn, review, context)
            .await
    }

    /// A second state machine: deploy/'s definition as changed by `change`,
    /// sending to the same intake queue. Returns its ARN.
    pub async fn state_machine_with(&self, change: impl FnOnce(&mut Value)) -> String {
        let definition =
            provision::definition(&state_machine_file(), &self.queue_url).expect("definition");
        let mut asl: Value = serde_json::from_str(&definition).expect("JSON");
        change(&mut asl);
        let name = format!("variant-{}", short_id());
        provision::state_machine(&self.sfn, &name, &asl.to_string(), ROLE_ARN)
            .await
            .expect("state machine")
    }

    /// Starts an execution of `machine_arn`; returns its ARN.
    pub async fn start_execution_of(
        &self,
        machine_arn: &str,
        review: &Value,
        context: &Value,
    ) -> String {
        let input = json!({"review": review, "context": context});
        provision::start_execution(
            &self.sfn,
            machine_arn,
            &format!("run-{}", short_id()),
            &input,
        )
        .await
        .expect("execution starts")
    }

    /// Waits until the review of `execution_arn` is stored; returns its id.
    pub async fn wait_for_review(&self, execution_arn: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(id) = self.probe.review_of_execution(execution_arn).await {
                return id;
            }
            assert!(
                Instant::now() < deadline,
                "no review arrived for {execution_arn}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts an execution and waits for its review.
    pub async fn new_review(&self, review: &Value, context: &Value) -> (String, String) {
        let arn = self.start_execution(review, context).await;
        let id = self.wait_for_review(&arn).await;
        (arn, id)
    }

    /// The HTML of a page.
    pub async fn page(&self, path: &str) -> String {
        let reply = self
            .http
            .get(
                &format!("{}{path}", self.base),
                self.current_cookie().as_deref(),
            )
            .await;
        let (status, html) = (reply.status, reply.body);
        assert_eq!(status, 200, "{path}");
        html
    }

    /// Calls a server function; returns the status and the JSON answer.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let reply = self
            .http
            .post_form(
                &format!("{}/api/{endpoint}", self.base),
                form,
                self.current_cookie().as_deref(),
            )
            .await;
        let (status, body) = (reply.status, reply.body);
        let body = serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
        (status, body)
    }

    pub async fn decide(&self, id: &str, verdict: &str, comment: &str) -> (u16, Value) {
        self.call(
            "decide",
            &[("id", id), ("verdict", verdict), ("comment", comment)],
        )
        .await
    }

    pub async fn review(&self, id: &str) -> Value {
        let (status, body) = self.call("review", &[("id", id)]).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Waits until the review has `status`; returns it.
    pub async fn wait_for_status(&self, id: &str, status: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let review = self.review(id).await;
            if review["status"] == status {
                return review;
            }
            assert!(
                Instant::now() < deadline,
                "review {id} is still {}",
                review["status"]
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until the review's delivery is in `state` after `attempts` or
    /// more attempts; returns the review.
    pub async fn wait_for_delivery(&self, id: &str, state: &str, attempts: u64) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let review = self.review(id).await;
            let delivery = &review["delivery"];
            if delivery["state"] == state && delivery["attempts"].as_u64().unwrap_or(0) >= attempts
            {
                return review;
            }
            assert!(Instant::now() < deadline, "delivery of {id} is {delivery}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The execution's status now.
    pub async fn execution_status(&self, arn: &str) -> ExecutionStatus {
        let out = self
            .sfn
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .expect("describe");
        out.status().clone()
    }

    /// Waits until the execution has ended; returns how.
    pub async fn finished_execution(&self, arn: &str) -> DescribeExecutionOutput {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let out = self
                .sfn
                .describe_execution()
                .execution_arn(arn)
                .send()
                .await
                .expect("describe");
            if *out.status() != ExecutionStatus::Running {
                return out;
            }
            assert!(
                Instant::now() < deadline,
                "execution {arn} is still running"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The execution's history events, oldest first.
    pub async fn history(&self, arn: &str) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
        let out = self
            .sfn
            .get_execution_history()
            .execution_arn(arn)
            .send()
            .await
            .expect("history");
        out.events().to_vec()
    }

    /// Puts a raw message on the intake queue.
    pub async fn send_raw(&self, body: &str) {
        self.sqs
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .expect("message sent");
    }

    /// Messages on the intake queue, visible or in flight.
    pub async fn messages_on_queue(&self) -> u32 {
        self.messages_on(&self.queue_url).await
    }

    /// Messages on a queue, visible or in flight.
    pub async fn messages_on(&self, queue_url: &str) -> u32 {
        let attributes = self
            .sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .expect("queue attributes")
            .attributes
            .unwrap_or_default();
        let count = |name| {
            attributes
                .get(&name)
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
        };
        count(QueueAttributeName::ApproximateNumberOfMessages)
            + count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
    }

    /// Waits until the server lists at least `count` rejected intake messages.
    pub async fn wait_for_rejected_intake(&self, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let (status, body) = self.call("rejected_intake", &[]).await;
            assert_eq!(status, 200, "{body}");
            let items = body.as_array().cloned().unwrap_or_default();
            if items.len() >= count {
                return items;
            }
            assert!(
                Instant::now() < deadline,
                "only {} rejected intake messages: {body}",
                items.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }
}
